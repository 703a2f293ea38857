"""CPU tier on sm_90: the small-float headers' bindings all compile and link (no GPU needed).

curand_kernel (~25 s) and the other archs run in ``nox -s "conformance(arch='sm_XX')"``.
"""

from __future__ import annotations

import pytest

from conformance import cpu

pytest.importorskip("numbast_core")

# Floors on what sm_90 binds today, so a regression that binds less shows up here. (fp8/fp6/fp4:
# 5 per struct fewer since overloads with the same Numba signature are bound once: `long` and
# `long long` constructors, `operator char` and `operator signed char`, ...)
MIN_CALLABLES = {
    "cuda_fp8": 150,
    "cuda_fp4": 63,
    "cuda_fp6": 102,
    "cuda_fp16": 262,
    "cuda_bf16": 263,
}


# fp16 (half, the two-field __half2) and fp8 (the shape fp6 and fp4 copy) run in the default
# tier; bf16, fp6 and fp4 follow the same patterns and run in the slow tier (and in
# `nox -s conformance` for every arch).
@pytest.mark.parametrize(
    "header",
    [h if h in ("cuda_fp16", "cuda_fp8") else pytest.param(h, marks=pytest.mark.slow)
     for h in sorted(MIN_CALLABLES)],
)  # fmt: skip
def test_every_binding_compiles_and_links(header, tmp_path):
    result = cpu.run_header(header, "sm_90", tmp_path)
    assert not result.error, result.error
    failed = [f"{p} ({c}): {e.strip().splitlines()[-1][:200]}" for p, c, e in result.failed]
    assert not failed, "\n".join(failed)
    assert result.callables >= MIN_CALLABLES[header]
    assert result.ok == result.callables
    assert result.names_bound, "coverage found no bound names"
    assert len(result.names_bound) <= len(result.names_declared)
    # every device-callable name is bound (or left to numba-cuda / excluded with a reason)
    assert result.unbound_names == []
    if header in ("cuda_fp8", "cuda_fp6", "cuda_fp4"):  # __half2 & co. are cuda_fp16's API
        theirs = {n for n in result.names_declared if n.startswith(("__half", "__nv_bfloat16"))}
        assert theirs == set(), theirs


def test_results_sections_are_per_arch():
    text = cpu.SKELETON
    text = cpu.update_cpu_section(text, "sm_90", "table 90")
    text = cpu.update_cpu_section(text, "sm_75", "table 75")
    text = cpu.update_cpu_section(text, "sm_90", "table 90 again")
    assert text.index("### sm_75") < text.index("### sm_90")
    assert "table 90 again" in text and "table 90\n" not in text and "table 75" in text
    text = cpu.replace_between(text, cpu.GPU_BEGIN, cpu.GPU_END, "gpu body")
    assert "gpu body" in text and "table 75" in text


def test_name_of_signatures():
    assert cpu._name_of("__half __hadd(const __half a, const __half b)") == "__hadd"
    assert cpu._name_of("bool operator==(const __half &lh, const __half &rh)") == "operator=="
    assert cpu._name_of("__nv_fp8_e4m3::operator float") == "__nv_fp8_e4m3::operator float"
