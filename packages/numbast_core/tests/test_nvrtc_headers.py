"""The headers given to NVRTC in memory at precompile (no NVRTC needed here)."""

from __future__ import annotations

from numbast_core import nvrtc_headers


def _tree(root, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return (str(root),)


def test_reachable_follows_includes_and_names_files_beside_their_includer_as_written(tmp_path):
    dirs = _tree(
        tmp_path,
        {
            "lib.h": '#include "lib/detail/impl.h"\n#if 0\n#include <lib/unused.h>\n#endif\n',
            "lib/detail/impl.h": '#include "info.h"\n#include "../top.h"\n',
            "lib/detail/info.h": "#define INFO 1\n",
            "lib/top.h": "#define TOP 1\n",
            "lib/unused.h": "",
            "elsewhere.h": "",
        },
    )
    found = dict(nvrtc_headers.reachable([b"#include <lib.h>\n"], dirs))
    # every #include line counts, whatever the conditions around it (a superset)
    assert set(found) == {
        "lib.h",
        "lib/detail/impl.h",
        "info.h",  # NVRTC looks an in-memory header up by the name written
        "../top.h",
        "lib/unused.h",
    }
    assert found["info.h"] == b"#define INFO 1\n"
    assert nvrtc_headers.read_alike(found.items())


def test_a_header_nvrtc_would_read_otherwise_stays_on_disk(tmp_path):
    dirs = _tree(
        tmp_path,
        {
            "a.h": '#include "b.h"\n#include <c.h>\n',
            "b.h": "#include_next <b.h>\n",  # resolved from the file's own folder onwards
            "c.h": '#include "sub/d.h"\n',
            "sub/d.h": '#include "c.h"\n',  # sub/c.h beside it, but <c.h> is another file
            "sub/c.h": "",
        },
    )
    found = dict(nvrtc_headers.reachable([b"#include <a.h>\n"], dirs))
    # c.h is read from memory; its "sub/d.h" then from disk, where d.h's "c.h" is sub/c.h
    assert set(found) == {"a.h", "c.h"}


def test_a_pragma_once_file_under_two_names_may_read_otherwise():
    once = b"#pragma once\nint x;\n"
    assert not nvrtc_headers.read_alike([("x.h", once), ("detail/x.h", once)])
    assert nvrtc_headers.read_alike([("x.h", once), ("y.h", b"#pragma once\nint y;\n")])
    guarded = b"#ifndef X\n#define X\n#endif\n"
    assert nvrtc_headers.read_alike([("x.h", guarded), ("detail/x.h", guarded)])


def test_headers_given_in_memory_are_followed_where_included_and_not_returned(tmp_path):
    """The glue's own in-memory headers (the <cstdint> forwarders) hide the dirs' file of that
    name; their includes are followed only when something includes them, and files in the
    dirs that nothing includes (the generated module itself, a .py naming a header) are not
    read."""
    dirs = _tree(
        tmp_path,
        {
            "api.h": "#include <cstdint>\n",
            "cstdint": "#error the forwarder hides this file\n",
            "cuda/std/cstdint": "#include <cuda/std/detail/int.h>\n",
            "cuda/std/detail/int.h": "",
            "cuda/std/cmath": "#include <cuda/std/detail/math.h>\n",
            "cuda/std/detail/math.h": "",
            "module.py": '"#include <cuda/std/cmath>"\n',
        },
    )
    given = {
        "cstdint": b"#pragma once\n#include <cuda/std/cstdint>\n",
        "cmath": b"#pragma once\n#include <cuda/std/cmath>\n",
    }
    found = dict(nvrtc_headers.reachable([b"#include <api.h>\n"], dirs, given))
    assert set(found) == {"api.h", "cuda/std/cstdint", "cuda/std/detail/int.h"}
    assert set(dict(nvrtc_headers.reachable([b"#include <other.h>\n"], dirs, given))) == set()
