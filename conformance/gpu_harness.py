"""The GPU tier's machinery, free of numbast and libclang (the GPU machine has neither).

From one manifest entry (see ``conformance/pregenerate.py``) it builds: the inputs (edge values
and random draws, in storage form), the source of a Numba kernel calling the binding, the source
of a native CUDA C++ kernel calling the same C++ function, and it compares the outputs bit for
bit. Only ``run_*`` functions need a GPU; everything else is exercised on CPU by the tests.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import numpy as np

from conformance import domains
from conformance.gpu_backend import NUMBA_CUDA, toolkit

PYTHON_OPERATORS = {
    "add": "+", "sub": "-", "mul": "*", "truediv": "/", "mod": "%", "and_": "&", "or_": "|",
    "xor": "^", "lshift": "<<", "rshift": ">>", "eq": "==", "ne": "!=", "lt": "<", "le": "<=",
    "gt": ">", "ge": ">=", "neg": "-", "pos": "+", "invert": "~",
}  # fmt: skip
CXX_STORAGE = {
    "boolean": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
    "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
    "uint32": "unsigned int", "uint64": "unsigned long long", "float16": "unsigned short",
    "bfloat16": "unsigned short", "float32": "float", "float64": "double",
}  # fmt: skip
UINT_VIEW = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


# ---------------------------------------------------------------------------------------------
# slots: every parameter/result is one or more scalar arrays (struct: one per field)


def slots(kind: dict) -> list[dict]:
    """Scalar slots of a parameter/result: [{"numba", "field", "offset", "size"}].

    A pointer parameter is one slot of memory (``"numba": "memory"``): a byte array holding
    one pointee per thread, which the call may read and write (and the comparison checks)."""
    if kind["kind"] == "void":
        return []
    if kind["kind"] == "pointer":
        size = sum(s["size"] for s in slots(kind["pointee"]))
        return [{"numba": "memory", "field": None, "offset": 0, "size": size}]
    if kind["kind"] in ("struct", "vector"):
        return kind["fields"]
    size = np.dtype(domains.STORAGE[kind["numba"]]).itemsize
    return [{"numba": kind["numba"], "field": None, "offset": 0, "size": size}]


def enum_choices(entry: dict) -> list[tuple[int, ...]]:
    """Every combination of the enum parameters' values (one kernel each)."""
    values = [sorted(p["members"].values()) for p in entry["params"] if p["kind"] == "enum"]
    return list(itertools.product(*values))


def make_inputs(entry: dict, n: int, seed: int = 0) -> list[list[np.ndarray]]:
    """Per non-enum parameter, per slot, ``n`` storage values (edges first, then random)."""
    rng = np.random.default_rng(seed)
    override = domains.overrides(entry)
    inputs = []
    for index, p in enumerate(entry["params"]):
        if p["kind"] == "enum":
            inputs.append([])
            continue
        if p["kind"] == "pointer":
            inputs.append([_memory(p["pointee"], n, rng, index)])
            continue
        per_slot = []
        for s in slots(p):
            if index in override:
                base = np.asarray(override[index], dtype=domains.STORAGE[s["numba"]])
                values = np.resize(base, n)
            else:
                values = np.resize(domains.draw(s["numba"], n, rng), n)
                # shift each parameter's edges so combinations differ (edge x edge coverage)
                values = np.roll(values, index * 7)
            per_slot.append(np.ascontiguousarray(values))
        inputs.append(per_slot)
    return inputs


def _memory(pointee: dict, n: int, rng, index: int) -> np.ndarray:
    """``n`` pointees packed in a byte array (fields in order, as the C++ layout has them)."""
    fields = slots(pointee)
    record = np.zeros(
        n, dtype=[(f"f{k}", domains.STORAGE[s["numba"]]) for k, s in enumerate(fields)]
    )
    for k, s in enumerate(fields):
        record[f"f{k}"] = np.roll(np.resize(domains.draw(s["numba"], n, rng), n), index * 7)
    return np.frombuffer(record.tobytes(), dtype=np.uint8).copy()


# ---------------------------------------------------------------------------------------------
# the Numba kernel


def _load(numba: str, expr: str) -> str:
    if numba == "float16":
        return f"_u2h({expr})"
    if numba == "bfloat16":
        return f"_u2bf({expr})"
    if numba == "boolean":
        return f"({expr} != 0)"
    return expr


def _store(numba: str, expr: str) -> str:
    if numba == "float16":
        return f"_h2u({expr})"
    if numba == "bfloat16":
        return f"_bf2u({expr})"
    return expr


def numba_kernel_source(entry: dict, enum_values: tuple[int, ...] = ()) -> tuple[str, dict]:
    """(source of ``kernel(n, out..., in...)``, names it needs besides the module's)."""
    lines, names, args, outs, ins = [], {}, [], [], []
    enums = iter(enum_values)
    for index, p in enumerate(entry["params"]):
        var = f"a{index}"
        if p["kind"] == "enum":
            names[f"_e{index}"] = ("enum", p["enum"], next(enums))
            lines.append(f"{var} = _e{index}")
        elif p["kind"] == "pointer":
            ins.append(f"in{index}_0")
            names[f"_p{index}"] = ("pointer", p["pointee_type"], None)
            lines.append(f"{var} = _p{index}(in{index}_0, i)")
        elif p["kind"] == "vector":  # numba-cuda's constructor takes every component
            loads = []
            for k, s in enumerate(slots(p)):
                ins.append(f"in{index}_{k}")
                loads.append(_load(s["numba"], f"in{index}_{k}[i]"))
            lines.append(f"{var} = _cuda.{p['vector']}({', '.join(loads)})")
        elif p["kind"] == "struct":
            lines.append(f"{var} = {p['handle']}()")
            for k, s in enumerate(slots(p)):
                ins.append(f"in{index}_{k}")
                lines.append(f"{var}.{s['field']} = {_load(s['numba'], f'in{index}_{k}[i]')}")
        else:
            ins.append(f"in{index}_0")
            lines.append(f"{var} = {_load(p['numba'], f'in{index}_0[i]')}")
        args.append(var)
    form = entry["form"]
    if form == "call":
        lines.append(f"r = _f({', '.join(args)})")
    else:
        op = form.split(".")[1]
        if op.startswith("i") and op[1:] in PYTHON_OPERATORS:
            lines += [f"{args[0]} {PYTHON_OPERATORS[op[1:]]}= {args[1]}", f"r = {args[0]}"]
        elif len(args) == 1:
            lines.append(f"r = {PYTHON_OPERATORS[op]}{args[0]}")
        else:
            lines.append(f"r = {args[0]} {PYTHON_OPERATORS[op]} {args[1]}")
    result = entry["result"]
    for k, s in enumerate(slots(result)):
        outs.append(f"out_{k}")
        value = f"r.{s['field']}" if result["kind"] in ("struct", "vector") else "r"
        lines.append(f"out_{k}[i] = {_store(s['numba'], value)}")
    body = "".join(f"        {line}\n" for line in lines)
    source = (
        f"def kernel(n, {', '.join(outs + ins)}):\n    i = _cuda.grid(1)\n    if i < n:\n" + body
    )
    return source, names


def numba_kernel(module, entry: dict, enum_values: tuple[int, ...] = (), backend=NUMBA_CUDA):
    """The Python function of the Numba kernel (not yet jitted), in the module's namespace."""
    kit = toolkit(backend)
    source, names = numba_kernel_source(entry, enum_values)
    env = dict(vars(module))
    env.update(_cuda=kit.cuda, _u2h=kit.u2h, _h2u=kit.h2u, _u2bf=kit.u2bf, _bf2u=kit.bf2u)
    if entry["form"] == "call":
        env["_f"] = eval(entry["callee"], env)
    for name, (what, type_name, value) in names.items():  # ("enum" | "pointer", type, value)
        if what == "pointer":
            env[name] = kit.element_pointer(eval(type_name, env))
        else:
            env[name] = getattr(module, type_name)(value)
    exec(compile(source, f"<conformance {entry['label']}>", "exec"), env)
    return env["kernel"]


def numba_signature(entry: dict, backend=NUMBA_CUDA):
    types = toolkit(backend).types

    arrays = [
        types.Array(getattr(types, np.dtype(domains.STORAGE[s["numba"]]).name), 1, "C")
        for s in slots(entry["result"])
    ]
    for p in entry["params"]:
        if p["kind"] == "pointer":
            arrays.append(types.Array(types.uint8, 1, "C"))
        elif p["kind"] != "enum":
            arrays += [
                types.Array(getattr(types, np.dtype(domains.STORAGE[s["numba"]]).name), 1, "C")
                for s in slots(p)
            ]
    return (types.int32, *arrays)


# ---------------------------------------------------------------------------------------------
# the native CUDA C++ kernel


def _slot(var: str, s: dict) -> str:
    """The slot of ``var`` as an lvalue of its storage type (the headers' own ``__HALF_TO_US``
    idiom). Whole-slot loads and stores: byte-wise ``memcpy`` of a result that inline PTX
    wrote into a 16-bit register stored a wrong low byte on sm_90 (seen on an H200)."""
    storage = CXX_STORAGE[s["numba"]]
    return f"*reinterpret_cast<{storage}*>(reinterpret_cast<char*>(&{var}) + {s['offset']})"


def cxx_kernel_source(
    prelude: str, entry: dict, enum_values: tuple[int, ...] = (), name: str = "numbast_native"
) -> str:
    """``extern "C" __global__ void <name>(int n, out..., in...)`` calling the function.

    Without ``prelude`` ("") only the kernel is returned, for many kernels in one program.

    The call is the binding's own C++ expression (``new (r, ...) R(f(*a0, ...))``, assigned)
    with the pointers replaced by locals: the same C++ function, called from C++, no wrapper
    in between.
    """
    params, lines = ["int n"], []
    enums = iter(enum_values)
    result = entry["result"]
    for k, s in enumerate(slots(result)):
        params.append(f"{CXX_STORAGE[s['numba']]}* out_{k}")
    for index, p in enumerate(entry["params"]):
        var = f"v{index}"
        if p["kind"] == "enum":
            lines.append(f"{p['cxx']} {var} = static_cast<{p['cxx']}>({next(enums)});")
            continue
        if p["kind"] == "pointer":
            params.append(f"unsigned char* in{index}_0")
            size = slots(p)[0]["size"]
            cast = f"reinterpret_cast<{p['cxx']}>(in{index}_0 + (size_t)i * {size})"
            lines.append(f"{p['cxx']} {var} = {cast};")
            continue
        lines.append(f"{p['cxx']} {var};")
        for k, s in enumerate(slots(p)):
            params.append(f"const {CXX_STORAGE[s['numba']]}* in{index}_{k}")
            lines.append(f"{_slot(var, s)} = in{index}_{k}[i];")
    receiver = "*self" in entry["body"]
    body = entry["body"].replace("*self", "v0")
    body = re.sub(r"\*a(\d+)\b", lambda m: f"v{int(m.group(1)) + receiver}", body)
    # the shim constructs its result in place; the native kernel assigns it, with no helper
    # (``unsigned int(x)`` is no expression: a type of several words is cast with parentheses)
    body = re.sub(
        r"::new \(static_cast<void\*>\(r\), __numbast_slot\(\)\) ([^(]+)\(",
        lambda m: f"*r = ({m.group(1)})(" if " " in m.group(1).strip() else f"*r = {m.group(1)}(",
        body,
    )
    body = re.sub(r"\*r\b", "res", body)
    lines += [body] if result["kind"] == "void" else [f"{result['cxx']} res;", body]
    for k, s in enumerate(slots(result)):
        lines.append(f"out_{k}[i] = {_slot('res', s)};")
    inner = "".join(f"    {line}\n" for line in lines)
    return (
        (f"{prelude}\n" if prelude else "")
        + f'extern "C" __global__ void {name}({", ".join(params)}) {{\n'
        "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
        "    if (i >= n) return;\n"
        f"{inner}}}\n"
    )


# ---------------------------------------------------------------------------------------------
# comparison


@dataclass
class Outcome:
    label: str
    header: str
    cxx_signature: str
    checked: int = 0
    mismatches: list[dict] = field(default_factory=list)
    error: str = ""

    @property
    def exact(self) -> bool:
        return not self.error and not self.mismatches


def _as_bits(a: np.ndarray) -> np.ndarray:
    return a.view(UINT_VIEW[a.dtype.itemsize])


def _is_nan(a: np.ndarray, numba: str) -> np.ndarray:
    bits = _as_bits(a).astype(np.uint64)
    if numba == "float16":
        return ((bits & 0x7C00) == 0x7C00) & ((bits & 0x3FF) != 0)
    if numba == "bfloat16":
        return ((bits & 0x7F80) == 0x7F80) & ((bits & 0x7F) != 0)
    if numba in ("float32", "float64"):
        return np.isnan(a)
    return np.zeros(a.shape, dtype=bool)


def compare(
    entry: dict,
    inputs: list[list[np.ndarray]],
    got: list[np.ndarray],
    want: list[np.ndarray],
    enum_values: tuple[int, ...] = (),
    nan_payload_free: bool = False,
    limit: int = 5,
) -> list[dict]:
    """Bitwise comparison of every result slot; a list of mismatches (at most ``limit``)."""
    pointers = [p for p in entry.get("params", ()) if p["kind"] == "pointer"]
    compared = slots(entry["result"]) + [s for p in pointers for s in slots(p)]
    bad = None
    for s, g, w in zip(compared, got, want):
        if s["numba"] == "memory":  # one pointee per thread: compare them whole
            g, w = g.view(UINT_VIEW[s["size"]]), w.view(UINT_VIEW[s["size"]])
        differ = _as_bits(g) != _as_bits(w)
        if nan_payload_free:
            differ &= ~(_is_nan(g, s["numba"]) & _is_nan(w, s["numba"]))
        bad = differ if bad is None else bad | differ
    found = []
    if bad is None:
        return found
    for i in np.flatnonzero(bad)[:limit]:
        found.append(
            {
                "input": [
                    [_show(_element(a, s, i)) for s, a in zip(_slots_of(p), per)]
                    for p, per in zip(entry.get("params", ()), inputs)
                ],
                "enums": list(enum_values),
                "numba": [_show(_element(g, s, i)) for s, g in zip(compared, got)],
                "cxx": [_show(_element(w, s, i)) for s, w in zip(compared, want)],
            }
        )
    return found


def _slots_of(p: dict) -> list[dict]:
    return [] if p["kind"] == "enum" else slots(p)


def _element(values: np.ndarray, slot: dict, i: int):
    if slot["numba"] == "memory":
        return values.view(UINT_VIEW[slot["size"]])[i]
    return values[i]


def _show(value) -> str:
    value = np.asarray(value)
    if value.dtype.kind == "f":
        return f"{value.item()!r} (0x{_as_bits(value.reshape(1))[0]:0{value.itemsize * 2}x})"
    return str(value.item())


# ---------------------------------------------------------------------------------------------
# second oracle: ml_dtypes / numpy for the conversions of the small float formats

ML_DTYPES = {
    "__nv_fp8_e4m3": "float8_e4m3fn", "__nv_fp8_e5m2": "float8_e5m2",
    "__nv_fp8_e8m0": "float8_e8m0fnu", "__nv_fp6_e2m3": "float6_e2m3fn",
    "__nv_fp6_e3m2": "float6_e3m2fn", "__nv_fp4_e2m1": "float4_e2m1fn",
}  # fmt: skip


NATIVE_DTYPES = {"float16": "float16", "bfloat16": "bfloat16"}
FORMAT_BITS = {"float6_e2m3fn": 6, "float6_e3m2fn": 6, "float4_e2m1fn": 4}
# float32 -> format conversions that round to nearest even (ml_dtypes/numpy do the same)
ENCODE_RN = {"__float2half", "__float2half_rn", "__float2bfloat16", "__float2bfloat16_rn"}
ENCODE_CTORS = {
    "__nv_fp8_e4m3",
    "__nv_fp8_e5m2",
    "__nv_fp6_e2m3",
    "__nv_fp6_e3m2",
    "__nv_fp4_e2m1",
}  # fmt: skip  (their float ctors: round to nearest, satfinite)


def _format_of(kind: dict) -> str | None:
    if kind["kind"] == "struct" and len(kind.get("fields", [None])) <= 1:
        return ML_DTYPES.get(kind["cxx"].split("::")[-1])
    if kind["kind"] == "numeric":
        return NATIVE_DTYPES.get(kind["numba"])
    return None


def oracle_kind(entry: dict) -> tuple[str, str] | None:
    """("decode" | "encode", ml_dtypes name) when ml_dtypes/numpy can say the exact answer.

    decode: small float (fp8/fp6/fp4 struct, __half, __nv_bfloat16) -> float32/float64, exact.
    encode: float32 -> format by round-to-nearest-even (``__float2half_rn``, fp8/fp6/fp4 ctors),
    compared on finite inputs within the format's range (saturation is C++-specific).
    """
    params, result = entry["params"], entry["result"]
    if len(params) != 1 or entry["form"] != "call":
        return None
    source, target = _format_of(params[0]), _format_of(result)
    if source and result["kind"] == "numeric" and result["numba"] in ("float32", "float64"):
        return "decode", source
    is_float32 = params[0]["kind"] == "numeric" and params[0]["numba"] == "float32"
    rounds = entry["label"] in ENCODE_RN or result.get("cxx", "").split("::")[-1] in ENCODE_CTORS
    if target and is_float32 and rounds:
        return "encode", target
    return None


def _dtype(name: str):
    import ml_dtypes

    return np.dtype(np.float16) if name == "float16" else np.dtype(getattr(ml_dtypes, name, None))


def oracle_expected(entry: dict, storage: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(which inputs the oracle speaks for, the expected results in storage form)."""
    kind = oracle_kind(entry)
    if kind is None:
        return None
    how, name = kind
    try:
        dtype = _dtype(name)
    except TypeError:  # this ml_dtypes lacks the format
        return None
    if how == "decode":
        raw = storage.astype(np.dtype(f"u{dtype.itemsize}"))
        valid = raw < (1 << FORMAT_BITS.get(name, 8 * dtype.itemsize))
        values = np.where(valid, raw, 0).astype(raw.dtype).view(dtype)
        return valid, values.astype(domains.STORAGE[entry["result"]["numba"]])
    import ml_dtypes

    finite_max = float(ml_dtypes.finfo(dtype).max)
    with np.errstate(invalid="ignore", over="ignore"):
        valid = np.isfinite(storage) & (np.abs(storage) <= finite_max)
        encoded = np.where(valid, storage, 0).astype(dtype)
    bits = encoded.view(np.dtype(f"u{dtype.itemsize}"))
    result = entry["result"]
    numba = result["fields"][0]["numba"] if result["kind"] == "struct" else result["numba"]
    return valid, bits.astype(domains.STORAGE[numba])


# ---------------------------------------------------------------------------------------------
# compiling (works on CPU: NVRTC and nvJitLink need no GPU)


def cuda_include_dirs() -> list[str]:
    """CUDA headers of the installed toolkit wheels (cuda.pathfinder), else CUDA_HOME/include."""
    import os

    dirs = []
    try:
        from cuda import pathfinder
    except ImportError:
        pathfinder = None
    for lib in ("cudart", "curand") if pathfinder else ():
        try:
            found = pathfinder.find_nvidia_header_directory(lib)
        except Exception:  # this library's headers are not installed: skip it
            found = None
        if found and found not in dirs:
            dirs.append(found)
    if dirs:
        try:
            cccl = pathfinder.locate_nvidia_header_directory("cccl")
        except Exception:  # no CCCL wheel: the toolkit's include/cccl, if any
            cccl = None
        dirs.append(cccl.abs_path if cccl is not None else os.path.join(dirs[0], "cccl"))
        if not os.path.isdir(os.path.join(dirs[0], "crt")):  # no nvidia-cuda-crt wheel: nvcc's
            try:
                nvcc = pathfinder.find_nvidia_header_directory("nvcc")
            except Exception:
                nvcc = None
            dirs += [nvcc] if nvcc and nvcc not in dirs else []
    if not dirs:
        home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or "/usr/local/cuda"
        dirs = [os.path.join(home, "include"), os.path.join(home, "include", "cccl")]
    return dirs


def compile_cxx(source: str, arch: str = "sm_90", target: str = "cubin") -> bytes:
    """NVRTC (through cuda.core) compiles the native kernels against the toolkit's headers."""
    from cuda.core import Program, ProgramOptions

    options = ProgramOptions(arch=arch, std="c++17", include_path=cuda_include_dirs())
    return bytes(Program(source, "c++", options=options).compile(target).code)


def link_numba_kernel(module, entry: dict, enum_values: tuple[int, ...] = (), cc=(9, 0)):
    """Compile and link the Numba kernel for ``cc`` without a GPU (what ``cuda.jit`` would do)."""
    return link_kernel(numba_kernel(module, entry, enum_values), numba_signature(entry), cc)


def link_kernel(kernel, signature, cc=(9, 0)) -> bytes:
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda, kernel_fixup

    cres = compile_cuda(kernel, types.void, signature, cc=cc, lto=True, nvvm_options={"opt": 3})
    library = cres.library
    kernel_fixup(library.get_function(cres.fndesc.llvm_func_name), False)
    library._entry_name = cres.fndesc.llvm_func_name
    return library.get_cubin(cc=cc)
