"""The toolkit corpus runner's pure parts: configs, failure grouping, RESULTS.md section."""

from __future__ import annotations

from collections import Counter

import pytest

numbast_core = pytest.importorskip("numbast_core")  # the GPU machine has numba-cuda only

from conformance import corpus  # noqa: E402


def test_configs_cover_the_issue_headers_and_the_six():
    names = set(corpus.configs())
    assert {"cuda_fp16", "cuda_bf16", "cuda_fp8", "cuda_fp6", "cuda_fp4", "curand_kernel"} <= names
    assert {
        "cooperative_groups",
        "crt_sm_90_rt",
        "mma",
        "cuda_std_cmath",
        "sm_60_atomic_functions",
    } <= names
    assert len(names) == 40


def test_every_corpus_config_loads():
    for name, path in corpus.configs().items():
        config = numbast_core.load_config(path)
        assert config.gpu_arch == ("sm_90",) or list(config.gpu_arch) == ["sm_90"], name


def test_failures_group_by_their_first_message():
    log = (
        'glue.cu(12): error: identifier "__dAtomicAdd" is undefined\n'
        "  return __dAtomicAdd(a, b);\n"
        'glue.cu(40): error: identifier "__fAtomicAdd_block" is undefined\n'
        '2 errors detected in the compilation of "glue.cu".\n'
    )
    assert corpus.failure_cause(log) == 'identifier "X" is undefined'
    outcome = corpus.Outcome(
        "h", bound=2, callables=2, failed=[("a", "a()", log), ("b", "b()", log)]
    )
    ((cause, count, headers, example),) = corpus.causes([outcome])
    assert (cause, count, headers, example) == ('identifier "X" is undefined', 2, ["h"], "h `a`")


def test_a_header_that_fails_whole_counts_its_bound_declarations():
    outcome = corpus.Outcome("h", bound=7, error="GenerationError: 2 error(s) parsing x.h")
    ((_, count, _, _),) = corpus.causes([outcome])
    assert count == 7


def test_results_section_keeps_other_sections_and_other_archs():
    text = "# Conformance results\n\n## CPU tier\n\nkept\n"
    once = corpus.update_results(text, "sm_90", "table 90")
    twice = corpus.update_results(once, "sm_80", "table 80")
    again = corpus.update_results(twice, "sm_90", "new 90")
    assert "## CPU tier\n\nkept\n" in again
    assert "table 80" in again and "new 90" in again and "table 90" not in again
    assert again.index("### sm_80") < again.index("### sm_90")


def test_table_totals():
    outs = [
        corpus.Outcome("a", declared=3, bound=2, skipped=Counter({"x": 1}), callables=2, ok=2),
        corpus.Outcome(
            "b", declared=1, bound=1, callables=1, ok=0, failed=[("f", "f()", "error: boom")]
        ),
    ]
    text = corpus.table(outs, "sm_90", 1.0)
    assert "| **total** | 4 | 3 | 1 | 2/3 | 66.7% |" in text
    assert "| 1 | boom | b | b `f` |" in text


# ---- NVSHMEM: opt-in entry (--nvshmem ROOT) ---------------------------------------------------


def _fake_wheel(root):
    include = root / "nvidia" / "nvshmem" / "include"
    (include / "device").mkdir(parents=True)
    (include / "nvshmem.h").write_text("#pragma once\n")
    (include / "nvshmemx.h").write_text("#pragma once\n")
    (include / "device" / "nvshmem_defines.h").write_text("#pragma once\n")
    (include / "README").write_text("not a header\n")
    return include


def test_nvshmem_is_not_in_the_default_corpus():
    assert "nvshmem" not in corpus.configs()


def test_nvshmem_config_names_every_header_of_the_wheel(tmp_path):
    from conformance import nvshmem

    include = _fake_wheel(tmp_path / "site")
    assert nvshmem.include_dir(tmp_path / "site") == include.resolve()
    assert nvshmem.include_dir(include) == include.resolve()
    assert nvshmem.include_dir(tmp_path) is None
    path = nvshmem.write_config(tmp_path / "cfg", include)
    config = numbast_core.load_config(path)
    assert list(config.gpu_arch) == ["sm_90"]
    assert sorted(config.file_list) == sorted(
        str(include / n) for n in ("device/nvshmem_defines.h", "nvshmem.h", "nvshmemx.h")
    )
    entry = (tmp_path / "cfg" / "nvshmem_api.cuh").read_text()
    assert "#define __NVSHMEM_NUMBA_SUPPORT__" in entry
    assert entry.index("__NVSHMEM_NUMBA_SUPPORT__") < entry.index("#include <nvshmem.h>")


def test_nvshmem_without_its_root_is_a_clear_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        corpus.main(["--arch", "sm_90", "--headers", "nvshmem", "--no-results"])
    assert exit_.value.code == 2
    assert "--nvshmem ROOT" in capsys.readouterr().err


def test_nvshmem_root_without_headers_is_a_clear_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        corpus.main(["--arch", "sm_90", "--nvshmem", str(tmp_path), "--no-results"])
    assert "no nvshmem.h under" in capsys.readouterr().err


def test_nvshmem_gets_a_longer_timeout():
    assert corpus.timeout_for("nvshmem", 300) == corpus.NVSHMEM_TIMEOUT > 300
    assert corpus.timeout_for("cuda_fp16", 300) == 300
