"""The no-hijack battery, run in a fresh process by test_no_hijack.py.

    python _no_hijack_battery.py OUT.json [--dtypes D,D...] [--plan PLAN.json] [--separate]
        [MODULE.py ...]

Imports the given generated modules first (calling ``install()`` on each with ``--separate``),
then, for every builtin operator and common math call on every builtin numeric dtype:
records how the call types (result type, or the error's class), and compiles to PTX for sm_90
one device function per dtype holding every call that types, plus an array kernel
``c[i] = a[i] OP b[i]`` per dtype. Without ``--plan`` (the "before" run) it also writes the
plan (which calls each dtype's function holds) into OUT.json for the "after" runs.
``--dtypes`` limits the battery to some of ``DTYPES`` (the default tier's subset).
"""

from __future__ import annotations

import json
import math
import operator
import re
import sys
import warnings
from pathlib import Path

DTYPES = [
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "boolean", "complex64", "complex128",
]  # fmt: skip
BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
UNARY = {"-": operator.neg, "+": operator.pos, "~": operator.invert, "not ": operator.not_}
CALLS1 = {
    "abs": abs, "float": float, "int": int, "bool": bool, "math.sqrt": math.sqrt,
    "math.floor": math.floor, "math.ceil": math.ceil, "math.trunc": math.trunc,
    "math.exp": math.exp, "math.log": math.log, "math.sin": math.sin, "math.cos": math.cos,
    "math.fabs": math.fabs, "math.isnan": math.isnan, "math.isinf": math.isinf,
}  # fmt: skip
CALLS2 = {
    "min": min, "max": max, "pow": pow, "math.copysign": math.copysign, "math.fmod": math.fmod,
    "math.atan2": math.atan2,
}  # fmt: skip


def cases():
    """(expression over scalars a, b; the Python callable; operand kinds)."""
    out = []
    for sym, fn in BINARY.items():
        out.append((f"a {sym} b", fn, ("a", "b")))
        out.append((f"a {sym} 3", fn, ("a", "int")))
        out.append((f"2.5 {sym} a", fn, ("float", "a")))
    for sym, fn in UNARY.items():
        out.append((f"{sym}a", fn, ("a",)))
    for name, fn in CALLS1.items():
        out.append((f"{name}(a)", fn, ("a",)))
    for name, fn in CALLS2.items():
        out.append((f"{name}(a, b)", fn, ("a", "b")))
    return out


def _typing(typingctx, ty, case):
    from numba.cuda import types

    _, fn, kinds = case
    args = [
        {"a": ty, "b": ty, "int": types.IntegerLiteral(3), "float": types.float64}[k] for k in kinds
    ]
    try:
        fnty = typingctx.resolve_value_type(fn)
        sig = typingctx.resolve_function_type(fnty, tuple(args), {})
    except Exception as error:  # the error class is part of the observed behaviour
        return f"error: {type(error).__name__}"
    return "no match" if sig is None else str(sig.return_type)


def _vector_typing(typingctx, name):
    """numba-cuda's vector constructors (generated modules extend them for their own structs):
    ``cuda.float32x2(a, b)`` and the copy ``cuda.float32x2(v)``, as expressions of the battery."""
    from numba import cuda
    from numba.cuda.vector_types import vector_types

    if f"{name}x2" not in vector_types:
        return {}
    vector, vty = getattr(cuda, f"{name}x2"), vector_types[f"{name}x2"]
    found = {}
    for expression, args in (
        (f"cuda.{name}x2(a, b).x", (getattr(cuda.types, name),) * 2),
        (f"cuda.{name}x2(cuda.{name}x2(a, b)).y", (vty,)),
    ):
        try:
            fnty = typingctx.resolve_value_type(vector)
            sig = typingctx.resolve_function_type(fnty, args, {})
            found[expression] = "no match" if sig is None else str(sig.return_type)
        except Exception as error:  # the error class is part of the observed behaviour
            found[expression] = f"error: {type(error).__name__}"
    return found


def _device_function(expressions):
    from numba import cuda

    body = ", ".join(expressions) if expressions else "0"
    source = f"def battery(a, b):\n    return ({body},)\n"
    env = {"math": math, "cuda": cuda}
    exec(compile(source, "<battery>", "exec"), env)
    return env["battery"]


def _array_kernel(sym):
    from numba import cuda

    env = {"cuda": cuda}
    source = f"def k(a, b, c):\n    i = cuda.grid(1)\n    c[i] = a[i] {sym} b[i]\n"
    exec(compile(source, "<battery>", "exec"), env)
    return env["k"]


def _ptx(pyfunc, argtypes, device):
    from numba import cuda

    try:
        ptx, _ = cuda.compile_ptx(pyfunc, argtypes, device=device, cc=(9, 0))
    except Exception as error:
        return f"error: {type(error).__name__}: {str(error).splitlines()[0][:200]}"
    # The mangled name of a kernel carries its function's unique id: keep only the code. The
    # order of `.extern .func` declarations varies between processes (numba-cuda's own float16
    # operators, seen with no generated module imported): sort those declarations.
    ptx = re.sub(r"_ZN\w+", "<name>", ptx)
    externs = sorted(re.findall(r"^\.extern \.func[^;]*;\n", ptx, flags=re.M))
    return "".join(externs) + re.sub(r"^\.extern \.func[^;]*;\n", "", ptx, flags=re.M)


def _failing(expressions, ty):
    """The expressions whose device function does not compile (bisecting)."""
    if not _ptx(_device_function(expressions), (ty, ty), True).startswith("error"):
        return []
    if len(expressions) == 1:
        return list(expressions)
    half = len(expressions) // 2
    return _failing(expressions[:half], ty) + _failing(expressions[half:], ty)


def main(argv):
    from numba.cuda import types
    from numba.cuda.descriptor import cuda_target

    warnings.simplefilter("ignore")
    out_path, rest = argv[0], argv[1:]
    dtypes = DTYPES
    if rest[:1] == ["--dtypes"]:
        dtypes, rest = rest[1].split(","), rest[2:]
        assert set(dtypes) <= set(DTYPES), dtypes
    plan = None
    if rest[:1] == ["--plan"]:
        plan, rest = json.loads(Path(rest[1]).read_text())["plan"], rest[2:]
    separate = rest[:1] == ["--separate"]
    rest = rest[1:] if separate else rest
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    import _codegen_helpers

    for path in rest:
        module = _codegen_helpers.import_module(path)
        if separate:
            module.install()
    typingctx = cuda_target.typing_context
    typingctx.refresh()
    all_cases = cases()
    typing, ptx, made, broken = {}, {}, {}, {}
    for name in dtypes:
        ty = getattr(types, name)
        results = {c[0]: _typing(typingctx, ty, c) for c in all_cases}
        results.update(_vector_typing(typingctx, name))
        typing[name] = results
        if plan is None:
            chosen = [e for e, r in results.items() if not r.startswith(("error", "no match"))]
            bad = _failing(chosen, ty)  # calls that type but do not compile
            chosen = [e for e in chosen if e not in bad]
            broken[name] = bad
            made[name] = chosen
        expressions = made[name] if plan is None else plan[name]
        ptx[f"battery[{name}]"] = _ptx(_device_function(expressions), (ty, ty), True)
        ptx[f"array_add[{name}]"] = _ptx(_array_kernel("+"), (ty[:], ty[:], ty[:]), False)
    with open(out_path, "w") as f:
        json.dump(
            {"typing": typing, "ptx": ptx, "plan": made or plan, "broken": broken}, f, indent=1
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
