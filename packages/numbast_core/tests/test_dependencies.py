"""Structs declared outside the File List that the API uses ("dependencies"): cuda_fp8 takes
``__half2`` and ``__nv_bfloat16_raw`` from cuda_fp16/cuda_bf16. They are bound (layout, fields,
constructors), and a C++ struct has one Numba type per process, whichever module came first."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from numbast_core.plan.refs import Pointer, Scalar, Vector, VoidPointer

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parents[2] / "conformance" / "configs"


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    import numbast_core

    out = tmp_path_factory.mktemp("dependencies")
    return {
        name: numbast_core.generate(numbast_core.load_config(CONFIGS / f"{name}.yml"), out)
        for name in ("cuda_fp8", "cuda_fp16")
    }


def test_fp8_binds_the_structs_its_api_uses(modules):
    plan = modules["cuda_fp8"].plan
    dependencies = {s.cxx_name for s in plan.structs if s.dependency}
    assert {"__half2", "__half_raw", "__half2_raw", "__nv_bfloat162", "__nv_bfloat16_raw",
            "__nv_bfloat162_raw", "double4_16a", "double4_32a"} <= dependencies  # fmt: skip
    # numba-cuda's own types stay theirs: float16/bfloat16 scalars, CUDA vector types
    assert not dependencies & {"__half", "__nv_bfloat16", "float2", "float4", "double4"}
    # no skipped rows about another header's members
    assert not [s for s in plan.skipped if s.cxx_name.startswith("__half2")]
    names = {f.cxx_name for f in plan.functions}
    assert {"__nv_cvt_halfraw2_to_fp8x2", "__nv_cvt_fp8x2_to_halfraw2"} <= names
    half2 = next(s for s in plan.structs if s.cxx_name == "__half2")
    assert not half2.methods and not half2.conversions and half2.ctors


@pytest.mark.parametrize("first", ["cuda_fp8", "cuda_fp16"])
def test_one_numba_type_per_struct_across_modules(modules, first):
    """Either import order: the fp16 module's ``__half2`` feeds the fp8 module's ctor."""
    second = "cuda_fp16" if first == "cuda_fp8" else "cuda_fp8"
    script = textwrap.dedent(
        f"""
        import sys, warnings
        sys.path.insert(0, {str(HERE)!r})
        import _codegen_helpers as helpers
        from numba.cuda import types
        mods = {{}}
        mods[{first!r}] = helpers.import_module({str(modules[first].path)!r})
        mods[{second!r}] = helpers.import_module({str(modules[second].path)!r})
        fp8, fp16 = mods["cuda_fp8"], mods["cuda_fp16"]
        assert fp8._type___half2 is fp16._type___half2
        assert fp8._type___half2_raw is fp16._type___half2_raw
        env = dict(vars(fp8), __half2=fp16.__half2, cvt=fp8.cvt_halfraw2_to_fp8x2)
        env.update(raw=fp8.__half2_raw, sat=fp8.saturation_t.SATFINITE)
        env.update(e4m3=fp8.fp8_interpretation_t.E4M3)
        exec(
            "from numba import cuda\\n"
            "def f(a, b, out):\\n"
            "    i = cuda.grid(1)\\n"
            "    h = __half2(a[i], b[i]) + __half2(b[i], a[i])\\n"  # fp16's operator
            "    out[i] = fp8x2_e4m3(h).__x\\n"  # fp8's ctor taking __half2
            "    r = raw()\\n"  # fp8's implicit default ctor of a dependency, then a field
            "    r.x = out[i]\\n"
            "    out[i] += cvt(r, sat, e4m3)\\n",
            env,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f16 = types.float16[:]
            helpers.compile_and_link(env["f"], (f16, f16, types.uint16[:]), types.void)
        print("shared and linked")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "shared and linked" in done.stdout, done.stderr[-3000:]


def test_conversions_to_cuda_vector_types_use_numba_cudas_constructor(modules):
    """`operator float2()` of __nv_fp8x2_e4m3 is spelled float32x2(v); float32x2(x, y) and
    float32x2(f32x2) keep numba-cuda's own meaning."""
    plan = modules["cuda_fp8"].plan
    vector = {op.operator for op in plan.operators if isinstance(op.operator, Vector)}
    assert vector == {Vector("float32", 2), Vector("float32", 4)}
    assert {op.label for op in plan.operators if op.operator in vector} == {
        "vector.float32x2",
        "vector.float32x4",
    }
    script = textwrap.dedent(
        f"""
        import sys, warnings
        sys.path.insert(0, {str(HERE)!r})
        import _codegen_helpers as helpers
        from numba import cuda
        from numba.cuda import types
        fp8 = helpers.import_module({str(modules["cuda_fp8"].path)!r})
        env = dict(vars(fp8), cuda=cuda)
        exec(
            "def f(a, out):\\n"
            "    i = cuda.grid(1)\\n"
            "    v = cuda.float32x2(fp8x2_e4m3(cuda.float32x2(a[i], a[i] * 2)))\\n"
            "    w = cuda.float32x2(v)\\n"
            "    out[i] = v.x + w.y\\n",
            env,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cres = helpers.compile_and_link(env["f"], (types.float32[:],) * 2, types.void)
        assert "cv6float2Ev_conv" in cres.library.get_llvm_str()
        print("converted")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "converted" in done.stdout, done.stderr[-3000:]


def test_typedefd_pointers_and_self_referencing_structs(tmp_path):
    """`typedef double *dist_t` (curand's curandDistribution_t) maps to a double pointer, and a
    struct holding a pointer to itself imports (the pointer field is an untyped address)."""
    import numbast_core
    from numbast_core.config import Config

    header = tmp_path / "links.cuh"
    header.write_text(
        "typedef double dist_st;\n"
        "typedef dist_st *dist_t;\n"
        "struct Node { Node* next; dist_t values; int n; };\n"
        "__device__ inline double first(dist_t d) { return d[0]; }\n"
        "__device__ inline int count(Node v) { return v.n; }\n"
    )
    config = Config.from_dict(
        {"Entry Point": str(header), "File List": [str(header)], "GPU Arch": ["sm_90"]}, tmp_path
    )
    result = numbast_core.generate(config, tmp_path / "out")
    assert not result.plan.skipped, result.plan.skipped
    node = next(s for s in result.plan.structs if s.cxx_name == "Node")
    assert [(f.name, f.type) for f in node.fields[:2]] == [
        ("next", VoidPointer()),
        ("values", Pointer(Scalar("float64"))),
    ]
    first = next(f for f in result.plan.functions if f.python_name == "first")
    assert first.overloads[0].params[0].type == Pointer(Scalar("float64"))
    script = (
        f"import sys; sys.path.insert(0, {str(HERE)!r})\n"
        "import _codegen_helpers as helpers\n"
        f"m = helpers.import_module({str(result.path)!r})\n"
        "print(m._type_Node._fields['next'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "void*", done.stderr[-2000:]


def test_conversions_to_bound_structs_are_their_constructors(modules):
    """`__half2::operator __half2_raw()` is spelled `__half2_raw(h)`; dependency structs are
    reported as their own kind."""
    plan = modules["cuda_fp16"].plan
    raw = next(s for s in plan.structs if s.cxx_name == "__half2_raw")
    assert "__half2::operator __half2_raw" in {o.cxx_name for o in raw.ctors}
    kinds = {r.kind for r in modules["cuda_fp8"].plan.rows() if r.cxx_name == "__half2"}
    assert kinds == {"dependency struct"}


def test_large_structs_of_other_headers_are_not_bound(tmp_path):
    """A 4 KiB struct from another header would make every kernel touching it compile for
    minutes: it is not bound, and what needs it is skipped with the unmapped type."""
    import numbast_core
    from numbast_core.config import Config

    (tmp_path / "big.cuh").write_text("struct Big { int w[1024]; };\nstruct Small { int w; };\n")
    api = tmp_path / "api.cuh"
    api.write_text(
        '#include "big.cuh"\n'
        "__device__ inline int first(const Big& b) { return b.w[0]; }\n"
        "__device__ inline int one(Small s) { return s.w; }\n"
    )
    config = Config.from_dict(
        {"Entry Point": str(api), "File List": [str(api)], "GPU Arch": ["sm_90"]}, tmp_path
    )
    plan = numbast_core.generate(config, tmp_path / "out").plan
    assert [s.cxx_name for s in plan.structs] == ["Small"]
    assert [f.python_name for f in plan.functions] == ["one"]
    assert any(s.cxx_name == "first" and "Big" in s.reason for s in plan.skipped)


def test_one_module_imported_twice_links_into_one_kernel(modules):
    """Two module objects of one file share struct types, so a kernel may call into both: each
    glue's symbols are made unique when imported, else nvJitLink finds them defined twice."""
    path = str(modules["cuda_fp8"].path)
    script = textwrap.dedent(
        f"""
        import sys, warnings
        sys.path.insert(0, {str(HERE)!r})
        import _codegen_helpers as helpers
        from numba import cuda
        from numba.cuda import types
        a, b = helpers.import_module({path!r}), helpers.import_module({path!r})
        assert a._type_fp8_e4m3 is b._type_fp8_e4m3
        env = dict(cuda=cuda, f32=types.float32, A=a.fp8_e4m3, B=b.fp8_e4m3)
        exec(
            "def f(x, out):\\n"
            "    i = cuda.grid(1)\\n"
            "    out[i] = f32(A(x[i])) + f32(B(x[i] * 2))\\n",
            env,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cres = helpers.compile_and_link(env["f"], (types.float32[:],) * 2, types.void)
        llvm = cres.library.get_llvm_str()
        assert "align 32" in llvm  # argument slots fit double4_32a
        print("linked")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "linked" in done.stdout, done.stderr[-3000:]
