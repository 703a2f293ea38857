"""Big structs stay cheap (issue 16: curand's MTGP32 has a 4 KiB state and a 40 KiB parameter
block; a kernel's parameters hold 32 KiB): ``--check`` passes them through pointers, and their
Numba values are copied whole, not element by element."""

from __future__ import annotations

import pytest

pytest.importorskip("numba.cuda")
pytest.importorskip("cuda.bindings.nvjitlink")

HEADER = """#pragma once
struct Big { unsigned int s[1024]; int k; };  // 4 KiB: eight of them overflow the parameters
struct Flag { bool on; float2 v; unsigned int s[4]; };  // a bool is a byte, float2 numba's
__device__ inline unsigned peek(Big b, int i) { return b.s[i & 1023]; }
__device__ inline unsigned sum2(Big a, Big b) { return a.s[0] + b.s[0]; }
__device__ inline unsigned sum3(Big a, Big b, Big c) { return a.s[1] + b.s[1] + c.s[1]; }
__device__ inline unsigned draw(Big* b) { return b->s[b->k++ & 1023]; }
__device__ inline void put(Big& b, int i, unsigned v) { b.s[i & 1023] = v; }
__device__ inline unsigned flag(const Flag& f) { return f.on ? f.s[0] : (unsigned)f.v.y; }
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    import numbast_core

    tmp = tmp_path_factory.mktemp("big")
    (tmp / "big.cuh").write_text(HEADER)
    (tmp / "big.yml").write_text(
        "Name: big\nEntry Point: big.cuh\nFile List: [big.cuh]\nGPU Arch: [sm_90]\n"
    )
    return numbast_core.generate(numbast_core.load_config(tmp / "big.yml"), tmp / "out")


def test_big_structs_check_in_one_kernel_without_bisection(generated, monkeypatch):
    """Every callable compiles and links in one kernel: struct arguments come in through
    pointers, so no batch overflows the parameter space and none is bisected (by value, the
    kernel took eight 4 KiB structs, each field element a kernel parameter of its own)."""
    from numbast_core import check

    kernels = []
    real = check._compile_and_link

    def counting(module, calls, cc):
        kernels.append(len(calls))
        return real(module, calls, cc)

    monkeypatch.setattr(check, "_compile_and_link", counting)
    report = check.check_module(generated.path, generated.plan, "sm_90")
    assert [r.error for r in report.failed] == []
    labels = {r.python_name for r in report.results}
    assert {"peek", "sum2", "sum3", "draw", "put", "flag"} <= labels
    assert kernels == [len(report.results)]


def test_a_check_kernel_takes_struct_arguments_through_pointers(generated):
    """`put(Big& b, ...)`: the kernel reads the struct from a pointer into the local it passes
    (a by-reference callee writes back to that local), never takes the struct by value."""
    from numba.cuda import types
    from numbast_core import check

    module = check._imported(generated.path, generated.plan)
    calls = [c for c in check.calls_of(generated.plan) if check.call_label(c) == "put"]
    _, argtypes = check._kernel_for(module, calls)
    struct_type = module._type_Big
    assert argtypes[0] == types.CPointer(struct_type)
    assert struct_type not in argtypes
    assert check._compile_and_link(module, calls, (9, 0)) == ""


def test_a_big_struct_is_copied_whole(generated):
    """A struct whose value is its bytes (no bool) loads and stores as one LLVM value: copying
    a 4 KiB struct is a few instructions, not 2,000 extractvalue/insertvalue (numba's
    StructModel rebuilds each of its 1,024 elements), which nvJitLink and ptxas then unrolled
    (a 40 KiB struct: minutes per kernel). A bool field is a byte in the struct, and numba-cuda's
    float2 converts nothing either: such a struct is whole too."""
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda
    from numba.cuda.descriptor import cuda_target
    from numbast_core import check

    module = check._imported(generated.path, generated.plan)
    models = cuda_target.target_context.data_model_manager
    assert models[module._type_Big].numbast_whole
    assert models[module._type_Flag].numbast_whole

    def copy(src, dst):
        dst[0] = src[0]

    pointer = types.CPointer(module._type_Big)
    cres = compile_cuda(copy, types.void, (pointer, pointer), cc=(9, 0))
    ir = "\n".join(cres.library.llvm_strs)
    assert ir.count("extractvalue") + ir.count("insertvalue") < 10


def test_lto_stays_optimised_for_kernels_passing_big_structs(generated):
    """A kernel of one callable links with LTO at -O0 only when it passes no struct of more
    than check.BIG_STRUCT bytes: unoptimised, a 4 KiB struct is copied field by field (curand's
    MTGP32 state: 206 s instead of 1); a light kernel of several callables keeps it too."""
    from numbast_core import check

    module = check._imported(generated.path, generated.plan)
    calls = {check.call_label(c): c for c in check._arch_calls(generated.plan, "sm_90", module)}
    assert calls["flag"].overload.params  # a 28-byte struct by reference: small
    assert check._lto_at_o0_pays(module, [[calls["flag"]]])
    for big in ("peek", "draw", "put"):  # Big by value, by pointer, by reference
        assert not check._lto_at_o0_pays(module, [[calls[big]]]), big
    assert not check._lto_at_o0_pays(module, [[calls["flag"], calls["flag"]]])
