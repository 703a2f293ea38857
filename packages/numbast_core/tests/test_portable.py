"""Portable modules: no machine paths, moved with their headers, one module for several GPU
archs with precompiled glue, the NVRTC fallback's disk cache, the unlisted-arch message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import _codegen_helpers as helpers
import numbast_core
import pytest

HEADER = """#pragma once
__device__ inline int pt_add(int a, int b) { return a + b; }
#if __CUDA_ARCH__ >= 900
__device__ inline int pt_hopper(int a) { return a * 9; }
#endif
"""
ARCHS = ("sm_80", "sm_90", "sm_100")


def _project(root: Path, archs=ARCHS) -> Path:
    """root/include/pt_geo.cuh, root/pt.yml; the module goes to root/out."""
    (root / "include").mkdir(parents=True, exist_ok=True)
    (root / "include" / "pt_geo.cuh").write_text(HEADER)
    config = root / "pt.yml"
    config.write_text(
        f"Entry Point: include/pt_geo.cuh\nFile List: [include/pt_geo.cuh]\n"
        f"GPU Arch: [{', '.join(archs)}]\nOutput Name: pt_geo.py\n"
    )
    return config


def _generate(root: Path, archs=ARCHS, **kwargs):
    config = numbast_core.load_config(_project(root, archs))
    return numbast_core.generate(config, root / "out", **kwargs)


def _run(code: str, env_extra: dict, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=cwd,
        check=False,
    )


@pytest.fixture(autouse=True)
def _forget_imports():
    """Each test imports modules afresh: a module already imported in the process makes a
    second import of it use its own symbols and NVRTC (tested below)."""
    before = set(sys.modules)
    yield
    for name in [n for n in sys.modules if n not in before and n.startswith(("_nbt_", "ptpkg"))]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def three_arch(tmp_path_factory):
    return _generate(tmp_path_factory.mktemp("three"))


def _int_args(n):
    from numba.cuda import types

    return (types.CPointer(types.int32), *([types.int32] * n))


def _no_nvrtc(module, monkeypatch):
    def unavailable(*args, **kwargs):
        raise RuntimeError("NVRTC made unavailable by the test")

    monkeypatch.setattr(module, "_nvrtc_ltoir", unavailable)


# ---- relocatable ----------------------------------------------------------------------------


def test_same_config_in_two_folders_and_hash_seeds_gives_identical_files(tmp_path):
    code = """
        import sys, numbast_core
        config = numbast_core.load_config(sys.argv[1] + "/pt.yml")
        numbast_core.generate(config, sys.argv[1] + "/out")
    """
    outputs = []
    for name, seed in (("first", "1"), ("second", "2")):
        root = tmp_path / name / "deeper" if name == "second" else tmp_path / name
        _project(root)
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), str(root)],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=False,
        )
        assert done.returncode == 0, done.stderr
        files = sorted((root / "out").iterdir())
        outputs.append({f.name: f.read_bytes() for f in files})
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0]) == sorted([f"pt_geo.{a}.ltoir" for a in ARCHS] + ["pt_geo.py"])
    text = outputs[0]["pt_geo.py"].decode()
    assert str(tmp_path) not in text and "/tmp/" not in text
    assert "#include <pt_geo.cuh>" in text and 'include_dirs=("../include",)' in text


def test_moved_module_with_its_headers_compiles_with_nvrtc_from_its_new_folder(tmp_path):
    from numba.cuda import types

    result = _generate(tmp_path / "here", archs=("sm_90",), precompile=False)
    moved = tmp_path / "elsewhere" / "pkg"
    shutil.copytree(tmp_path / "here" / "include", moved / "include")
    shutil.copytree(tmp_path / "here" / "out", moved / "out")
    shutil.rmtree(tmp_path / "here")  # the generation folder is gone
    assert not list((moved / "out").glob("*.ltoir"))
    module = helpers.import_module(moved / "out" / result.path.name)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    helpers.compile_and_link(kernel, _int_args(2), cc=(9, 0))
    assert ("sm_90", 0) in module._glue._compiled
    assert module._glue._dirs()[-1] == str(moved / "include")
    assert types.int32 in module.pt_add._numba_type.templates[0].cases[0].args


def test_module_installed_as_a_package_member_finds_its_precompiled_glue(tmp_path, monkeypatch):
    result = _generate(tmp_path / "gen", archs=("sm_90",))
    package = tmp_path / "site" / "ptpkg"
    shutil.copytree(tmp_path / "gen" / "out", package)
    (package / "__init__.py").write_text("")
    shutil.rmtree(tmp_path / "gen")  # no headers at all: the sidecar serves
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    import importlib

    module = importlib.import_module(f"ptpkg.{result.path.stem}")
    _no_nvrtc(module, monkeypatch)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    helpers.compile_and_link(kernel, _int_args(2), cc=(9, 0))


# ---- several archs, precompiled ---------------------------------------------------------------


def test_one_module_links_kernels_for_every_listed_arch_without_nvrtc(three_arch, monkeypatch):
    module = helpers.import_module(three_arch.path)
    _no_nvrtc(module, monkeypatch)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    for cc in ((8, 0), (9, 0), (10, 0)):
        cres = helpers.compile_and_link(kernel, _int_args(2), cc=cc)
        assert cres.library.get_cubin(cc=cc)
    assert sorted(module._glue._compiled) == [("sm_100", 0), ("sm_80", 0), ("sm_90", 0)]


def test_a_declaration_of_some_archs_types_only_for_those(three_arch, monkeypatch):
    module = helpers.import_module(three_arch.path)
    _no_nvrtc(module, monkeypatch)
    assert dict(module._glue.only) == {
        next(s for s in module._glue.shims if "pt_hopper" in s): ("sm_90", "sm_100")
    }

    def kernel(out, a):
        out[0] = module.pt_hopper(a)

    for cc in ((9, 0), (10, 0)):
        helpers.compile_and_link(kernel, _int_args(1), cc=cc)
    with pytest.raises(Exception, match=r"declared for sm_90, sm_100 only.*compiled for sm_80"):
        helpers.compile_and_link(kernel, _int_args(1), cc=(8, 0))


def test_unlisted_arch_without_nvrtc_says_to_regenerate(three_arch, monkeypatch):
    module = helpers.import_module(three_arch.path)
    _no_nvrtc(module, monkeypatch)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    with pytest.raises(Exception, match="regenerate it with GPU Arch including sm_75"):
        helpers.compile_and_link(kernel, _int_args(2), cc=(7, 5))


def test_unlisted_arch_compiles_with_nvrtc_when_the_header_allows(three_arch, tmp_path):
    module = helpers.import_module(three_arch.path)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    os.environ["NUMBAST_CACHE_DIR"] = str(tmp_path / "cache")
    try:
        helpers.compile_and_link(kernel, _int_args(2), cc=(7, 5))
    finally:
        del os.environ["NUMBAST_CACHE_DIR"]
    assert ("sm_75", 0) in module._glue._compiled


def test_a_tampered_sidecar_is_not_used(tmp_path, monkeypatch):
    result = _generate(tmp_path, archs=("sm_90",))
    sidecar = result.path.with_name(f"{result.path.stem}.sm_90.ltoir")
    sidecar.write_bytes(sidecar.read_bytes() + b"x")
    module = helpers.import_module(result.path)
    _no_nvrtc(module, monkeypatch)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    with (
        pytest.warns(UserWarning, match="does not match this module"),
        pytest.raises(Exception, match="NVRTC made unavailable"),
    ):
        helpers.compile_and_link(kernel, _int_args(2), cc=(9, 0))


# ---- NVRTC fallback: disk cache; import-time checks ---------------------------------------------


def test_the_disk_cache_is_hit_by_a_second_process(tmp_path):
    result = _generate(tmp_path, archs=("sm_90",), precompile=False)
    code = """
        import sys
        sys.path.insert(0, {tests!r})
        import _codegen_helpers as helpers
        from numba.cuda import types
        module = helpers.import_module({path!r})
        if sys.argv[1] == "second":
            def unavailable(*args, **kwargs):
                raise RuntimeError("NVRTC made unavailable")
            module._nvrtc_ltoir = unavailable

        def kernel(out, a, b):
            out[0] = module.pt_add(a, b)

        helpers.compile_and_link(kernel, (types.CPointer(types.int32), types.int32, types.int32))
        print("linked")
    """
    code = code.format(tests=str(Path(__file__).parent), path=str(result.path))
    env = {"NUMBAST_CACHE_DIR": str(tmp_path / "cache")}
    for which in ("first", "second"):
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), which],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, **env},
            check=False,
        )
        assert done.returncode == 0 and "linked" in done.stdout, (which, done.stderr[-3000:])
    cached = list((tmp_path / "cache").glob("*.ltoir"))
    assert len(cached) == 1 and not list((tmp_path / "cache").glob(".tmp-*"))


def test_a_header_changed_since_generation_warns_at_import(tmp_path):
    result = _generate(tmp_path, archs=("sm_90",))
    (tmp_path / "include" / "pt_geo.cuh").write_text(HEADER + "// edited\n")
    with pytest.warns(UserWarning, match=r"\.\./include/pt_geo\.cuh changed since this module"):
        helpers.import_module(result.path)


def test_import_leaves_the_garbage_collector_as_it_found_it(three_arch):
    import gc

    helpers.import_module(three_arch.path)
    assert gc.isenabled()
    gc.disable()
    try:
        helpers.import_module(three_arch.path)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cuda_headers_newer_than_nvrtc_warn_at_the_first_run_time_compile(tmp_path, monkeypatch):
    # (a module with precompiled glue has no run-time compile section: its NVRTC fallback is
    # for archs or linkers it was not made for, and says so when it fails)
    result = _generate(tmp_path / "project", archs=("sm_90",), precompile=False)
    (tmp_path / "cuda.h").write_text("#define CUDA_VERSION 99010\n")
    module = helpers.import_module(result.path)
    monkeypatch.setattr(module, "_cuda_include_dirs", lambda: [str(tmp_path)])
    message = module._toolchain_warning()
    assert message.startswith("the CUDA 99.1 headers are newer than NVRTC ")
    monkeypatch.setattr(module, "_nvrtc_ltoir", lambda *a: (_ for _ in ()).throw(RuntimeError()))
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    with (
        pytest.warns(UserWarning, match="CUDA 99.1 headers are newer than NVRTC"),
        pytest.raises(RuntimeError),
    ):
        helpers.compile_and_link(kernel, _int_args(2), cc=(9, 0))


def test_precompiled_one_arch_module_compiles_an_unlisted_arch_or_says_to_regenerate(tmp_path):
    _project(tmp_path, ("sm_90",))
    header = tmp_path / "include" / "pt_geo.cuh"
    header.write_text(HEADER + "#if __CUDA_ARCH__ < 800\n#error pt_geo needs sm_80\n#endif\n")
    result = numbast_core.generate(numbast_core.load_config(tmp_path / "pt.yml"), tmp_path / "o")
    text = result.path.read_text()
    assert "runtime section: compile" not in text and "def _bisect" not in text
    module = helpers.import_module(result.path)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    helpers.compile_and_link(kernel, _int_args(2), cc=(8, 6))  # the header allows sm_86
    with pytest.raises(Exception, match=r"(?s)does not compile for sm_75 \(regenerate with GPU "
                       r"Arch including sm_75\).*pt_geo needs sm_80"):  # fmt: skip
        helpers.compile_and_link(kernel, _int_args(2), cc=(7, 5))


# ---- chunks ---------------------------------------------------------------------------------


def test_a_large_glue_is_split_and_a_kernel_links_only_the_chunk_it_calls(tmp_path, monkeypatch):
    from numbast_core import glue_build

    monkeypatch.setattr(glue_build, "SPLIT_ABOVE", 1)  # as if the header had > 512 shims
    monkeypatch.setattr(glue_build, "CHUNK_SIZE", 1)
    result = _generate(tmp_path, archs=("sm_90",))
    assert "chunk_size=1," in result.path.read_text()
    assert "# ---- runtime section: compile (" in result.path.read_text()  # (its disk cache)
    module = helpers.import_module(result.path)
    _no_nvrtc(module, monkeypatch)
    glue = module._glue
    assert len(glue.chunks) == 2 and len(glue.precompiled["sm_90"][2]) == 2

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    helpers.compile_and_link(kernel, _int_args(2), cc=(9, 0))
    add = next(s for s in glue.shims if "pt_add" in s)
    assert list(glue._compiled) == [("sm_90", glue._chunk_of[add])]


def test_a_header_with_non_inline_definitions_is_not_split(tmp_path, monkeypatch):
    from numbast_core import glue_build

    monkeypatch.setattr(glue_build, "SPLIT_ABOVE", 1)
    monkeypatch.setattr(glue_build, "CHUNK_SIZE", 1)
    _project(tmp_path, ("sm_90",))
    header = tmp_path / "include" / "pt_geo.cuh"  # every chunk would define pt_add: one chunk
    header.write_text(HEADER.replace("__device__ inline int pt_add", "__device__ int pt_add"))
    result = numbast_core.generate(numbast_core.load_config(tmp_path / "pt.yml"), tmp_path / "o")
    assert "chunk_size=0," in result.path.read_text()
    module = helpers.import_module(result.path)
    _no_nvrtc(module, monkeypatch)

    def kernel(out, a):
        out[0] = module.pt_add(a, a) + module.pt_hopper(a)

    helpers.compile_and_link(kernel, _int_args(1), cc=(9, 0))


def test_a_second_import_of_a_module_gets_its_own_symbols_and_compiles_with_nvrtc(three_arch):
    first = helpers.import_module(three_arch.path)
    second = helpers.import_module(three_arch.path)
    assert first._glue.precompiled and not second._glue.precompiled
    assert second._glue.suffix.startswith(first._glue.suffix + "_")


def test_the_disk_cache_key_follows_the_header_contents(tmp_path, monkeypatch):
    result = _generate(tmp_path, archs=("sm_90",), precompile=False)
    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    glue = helpers.import_module(result.path)._glue
    names = glue.chunks[0]
    glue._nvrtc("sm_90", names)
    glue._nvrtc("sm_90", names)  # a hit: no new file
    assert len(list((tmp_path / "cache").glob("*.ltoir"))) == 1
    header = tmp_path / "include" / "pt_geo.cuh"
    header.write_text(HEADER.replace("a + b", "a + b + 1"))
    glue._nvrtc("sm_90", names)
    assert len(list((tmp_path / "cache").glob("*.ltoir"))) == 2


def test_headers_including_files_relative_to_themselves_are_precompiled_alike_anywhere(
    tmp_path, monkeypatch
):
    sidecars = []
    for root in (tmp_path / "one", tmp_path / "two" / "deeper"):
        _project(root, ("sm_90",))
        detail = root / "include" / "detail"
        detail.mkdir()
        (detail / "impl.h").write_text('#pragma once\n#include "helper.h"\n')  # next to impl.h
        # (NVRTC names a static device global after the path it read its header from)
        (detail / "helper.h").write_text(
            "static __device__ int pt_offsets[1] = {3};\n#define PT_OFFSET pt_offsets[0]\n"
        )
        header = root / "include" / "pt_geo.cuh"
        header.write_text(
            '#include "detail/impl.h"\n' + HEADER.replace("a + b", "a + b + PT_OFFSET")
        )
        result = numbast_core.generate(numbast_core.load_config(root / "pt.yml"), root / "o")
        sidecars.append((root / "o" / "pt_geo.sm_90.ltoir").read_bytes())
    assert sidecars[0] == sidecars[1]
    module = helpers.import_module(result.path)
    assert not module._glue.precompiled["sm_90"][3]  # no shim failed to compile
    _no_nvrtc(module, monkeypatch)

    def kernel(out, a, b):
        out[0] = module.pt_add(a, b)

    helpers.compile_and_link(kernel, _int_args(2), cc=(9, 0))


def test_precompiled_glue_is_the_same_for_any_cuda_install_folder_and_working_dir(
    tmp_path, monkeypatch
):
    """NVRTC records paths of headers read from disk (the CUDA headers' folder changes the
    LTO-IR of a glue calling thread_rank()) and its working directory: the glue's headers are
    given in memory, and NVRTC runs in /."""
    from ast_canopy import find_cuda_paths
    from numbast_core import glue_build

    dirs = find_cuda_paths().include_dirs
    elsewhere = []
    for i, directory in enumerate(dirs):  # the same headers under a longer path
        (tmp_path / "another" / "cuda" / "install").mkdir(parents=True, exist_ok=True)
        link = tmp_path / "another" / "cuda" / "install" / f"include{i}"
        link.symlink_to(directory)
        elsewhere.append(str(link))
    shim = (
        "pt_rank",
        'extern "C" __device__ int pt_rank(unsigned* r) '
        "{ *r = cooperative_groups::this_thread_block().thread_rank(); return 0; }",
    )
    glue = glue_build.GlueSource("#include <cooperative_groups.h>\n", (shim,), "_s", (), ())
    made = [glue_build.precompile(glue, ("sm_90",), dirs)[0]["sm_90"]]
    monkeypatch.chdir(tmp_path / "another")
    made.append(glue_build.precompile(glue, ("sm_90",), tuple(elsewhere))[0]["sm_90"])
    assert made[0].data and not made[0].why
    assert made[0].data == made[1].data


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle this")


def _raise_unpicklable():
    raise _Unpicklable("unpicklable")


def test_a_compile_process_that_dies_is_a_generation_error_saying_what_to_do(tmp_path, monkeypatch):
    from numbast_core import glue_build
    from numbast_core.errors import GenerationError
    from numbast_core.root_cwd import ProcessEnded, in_root_dir

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProcessEnded, match="exit status 3"):
        in_root_dir(os._exit, 3)  # (as if NVRTC crashed, or the copy ran out of memory)

    def died(*args):
        raise ProcessEnded("the process compiling the glue ... (killed by signal 9)")

    monkeypatch.setattr(glue_build, "precompile", died)
    with pytest.raises(GenerationError, match=r"signal 9.*--no-precompile"):
        _generate(tmp_path, archs=("sm_90",))
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_pragma_once_header_under_two_names_is_tried_and_read_from_disk_if_need_be(tmp_path):
    """In memory NVRTC applies #pragma once per name: a file given as "helper.h" (next to its
    includer) and as "detail/helper.h" would be read twice; the trial compile catches that."""
    _project(tmp_path, ("sm_90",))
    detail = tmp_path / "include" / "detail"
    detail.mkdir()
    (detail / "impl.h").write_text('#pragma once\n#include "helper.h"\n')
    (detail / "helper.h").write_text("#pragma once\nstruct PtOffset { int n = 3; };\n")
    header = tmp_path / "include" / "pt_geo.cuh"
    header.write_text(
        '#include "detail/impl.h"\n#include "detail/helper.h"\n'
        + HEADER.replace("a + b", "a + b + PtOffset().n")
    )
    result = numbast_core.generate(numbast_core.load_config(tmp_path / "pt.yml"), tmp_path / "o")
    module = helpers.import_module(result.path)
    assert not module._glue.precompiled["sm_90"][3]  # no shim failed to compile


def test_in_root_dir_runs_the_work_in_slash_and_leaves_the_caller_where_it_was(
    tmp_path, monkeypatch
):
    from numbast_core.root_cwd import in_root_dir

    monkeypatch.chdir(tmp_path)
    assert in_root_dir(os.getcwd) == "/"
    assert os.getcwd() == str(tmp_path)
    with pytest.raises(ZeroDivisionError):
        in_root_dir(divmod, 1, 0)
    big = in_root_dir(bytes, 30 << 20)  # (NVSHMEM's sidecar is 21 MB: more than a pipe holds)
    assert len(big) == 30 << 20
    with pytest.raises(RuntimeError, match="unpicklable"):  # its text comes back
        in_root_dir(_raise_unpicklable)
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # a working directory deleted under the caller
    assert in_root_dir(os.getcwd) == "/"


def test_repro_header_names_cuda_headers_as_included_whatever_the_install_layout(tmp_path):
    """The wheels put cccl inside the CUDA include dir, a toolkit beside it: the header
    comment says <cuda/std/complex> either way (it said <cccl/cuda/std/complex> with wheels)."""
    from numbast_core.pipeline import _display_path

    include = tmp_path / "include"
    (include / "cccl" / "cuda" / "std").mkdir(parents=True)
    (include / "cccl" / "cuda" / "std" / "complex").write_text("")
    header = str(include / "cccl" / "cuda" / "std" / "complex")
    dirs = (str(include), str(include / "cccl"))
    for order in (dirs, dirs[::-1]):
        assert _display_path(header, order, tmp_path / "out") == "<cuda/std/complex>"


def test_files_in_the_include_dir_that_nothing_includes_are_not_read(tmp_path):
    """Precompile reads the headers the glue includes, not every file beside them: a folder
    holding a dangling link and other files (the generated module among them) generates, and
    its glue is the same bytes as in a clean folder."""
    clean = _generate(tmp_path / "clean", ("sm_90",))
    cluttered = tmp_path / "cluttered"
    _project(cluttered, ("sm_90",))
    include = cluttered / "include"
    (include / "gone.h").symlink_to(include / "deleted_since.h")  # dangling
    (include / "notes.py").write_text('"#include <cuda/std/cmath>"\n')
    result = numbast_core.generate(numbast_core.load_config(cluttered / "pt.yml"), include)
    assert result.path.parent == include  # the module sits among the headers, as users do
    again = numbast_core.generate(numbast_core.load_config(cluttered / "pt.yml"), include)
    sidecar = "pt_geo.sm_90.ltoir"
    assert (include / sidecar).read_bytes() == (clean.path.parent / sidecar).read_bytes()
    assert again.path.read_bytes() == result.path.read_bytes()


def test_the_crt_headers_come_from_nvccs_wheel_where_no_crt_wheel_is_installed(
    three_arch, tmp_path, monkeypatch
):
    """Found on the GPU machine: its CUDA wheels have cudart's headers without ``crt/`` (no
    nvidia-cuda-crt wheel), so ``mma.h``'s ``#include "crt/mma.h"`` failed in NVRTC; nvcc's
    wheel has them."""
    from cuda import pathfinder

    module = helpers.import_module(three_arch.path)
    cudart, nvcc = tmp_path / "cudart", tmp_path / "nvcc"
    cudart.mkdir()
    (nvcc / "crt").mkdir(parents=True)
    dirs = {"cudart": str(cudart), "nvcc": str(nvcc)}
    monkeypatch.setattr(pathfinder, "find_nvidia_header_directory", dirs.get)
    assert module._cuda_include_dirs()[0] == str(cudart)
    assert module._cuda_include_dirs()[-1] == str(nvcc)
    (cudart / "crt").mkdir()  # a crt wheel: nvcc's folder is not added
    assert str(nvcc) not in module._cuda_include_dirs()
