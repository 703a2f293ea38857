"""Generate every conformance config for one arch into a folder, with a JSON manifest.

    python -m conformance.pregenerate OUT_DIR [--arch sm_90] [--headers cuda_fp8 ...]
        [--backend numba-cuda | numba-cuda-mlir]

The GPU machine has neither libclang nor the numbast packages: it gets the generated modules
and ``manifest.json``, which describes every bound function and operator with numeric inputs
(parameter and result kinds, the C++ call the binding wraps) so that the GPU tier needs nothing
else. Callables whose types are not numeric (pointers, curand states, ...) are listed with the
reason they are not compared.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from conformance.cpu import CONFIGS, headers
from conformance.gpu_backend import BACKENDS, NUMBA_CUDA

# Toolkit corpus headers (conformance/corpus) whose numeric functions the GPU tier also compares
# with native C++: rounding-mode arithmetic and conversions, SIMD video intrinsics, cmath's float
# and double overloads, dot products.
TOOLKIT_NUMERIC = (
    "crt_device_functions",
    "crt_device_double_functions",
    "crt_math_functions",
    "sm_61_intrinsics",
)


def config_file(header: str) -> Path:
    """A conformance config, else a toolkit corpus one, else a kernel-suite one."""
    for folder in (CONFIGS, CONFIGS.parent / "corpus", CONFIGS.parent / "kernels"):
        if (folder / f"{header}.yml").exists():
            return folder / f"{header}.yml"
    raise FileNotFoundError(f"no config {header}.yml in conformance/configs, corpus or kernels")


NUMERIC = {
    "types.boolean", "types.int8", "types.int16", "types.int32", "types.int64", "types.uint8",
    "types.uint16", "types.uint32", "types.uint64", "types.float16", "types.bfloat16",
    "types.float32", "types.float64",
}  # fmt: skip
GLUE = re.compile(r'extern "C" __device__ void (\w+)\((.*)\) \{ (.*) \}$')


class NotNumeric(Exception):
    pass


def _split_params(text: str) -> list[str]:
    out, depth, current = [], 0, ""
    for ch in text:
        depth += (ch in "<(" and 1) or 0
        depth -= (ch in ">)" and 1) or 0
        if ch == "," and depth == 0:
            out.append(current.strip())
            current = ""
        else:
            current += ch
    return [*out, current.strip()] if current.strip() else out


def _cxx_value_type(decl: str) -> str:
    """``__half const* a0`` -> ``__half``; ``T* r`` -> ``T``."""
    decl = re.sub(r"\s*\w+$", "", decl.strip())  # the parameter name
    decl = re.sub(r"\s*\*$", "", decl)
    return re.sub(r"\s+const$", "", decl).strip()


def _kind(numba: str, structs: dict, enum: str | None, enums: dict) -> dict:
    """What a value of Numba type ``numba`` (as the module spells it) is, for the GPU tier."""
    if enum is not None:
        return {"kind": "enum", "enum": enum, "members": enums[enum], "numba": numba[6:]}
    if numba in NUMERIC:
        return {"kind": "numeric", "numba": numba[6:]}
    if numba in structs:
        return structs[numba]
    pointer = POINTER.fullmatch(numba)
    if pointer and pointer.group(1) != numba:  # to one value in memory the kernel owns
        pointee = _kind(pointer.group(1), structs, None, enums)
        if pointee["kind"] in ("numeric", "struct"):
            return {"kind": "pointer", "pointee": pointee, "pointee_type": pointer.group(1)}
    vector = VECTOR.fullmatch(numba)
    if vector:  # numba-cuda's CUDA vector types: one slot per component
        element, count = vector.group(1), int(vector.group(2))
        size = int(re.search(r"\d+", element).group()) // 8
        fields = [{"field": "xyzw"[k], "numba": element, "offset": k * size, "size": size}
                  for k in range(count)]  # fmt: skip
        return {"kind": "vector", "vector": f"{element}x{count}", "fields": fields}
    raise NotNumeric(f"type `{numba}` is not numeric")


POINTER = re.compile(r"types\.CPointer\((\w+(?:\.\w+)?)\)")
VECTOR = re.compile(r'_vector_types\["((?:float|int|uint)(?:8|16|32|64))x([1-4])"\]')


def _numeric_structs(plan) -> dict:
    """Structs made only of readable numeric fields with no padding (fp8/fp6/fp4 storage,
    ``__half2``, ``__nv_bfloat162``): each field is one input/output slot."""
    from numbast_core.render.spelling import struct_type_name, type_expr

    found = {}
    for st in plan.structs:
        fields = list(st.fields)
        if (
            fields
            and any(not o.params for o in st.ctors)  # a kernel builds it, then sets its fields
            and all(f.name and type_expr(f.type) in NUMERIC for f in fields)
            and sum(f.size for f in fields) == st.size
        ):
            found[struct_type_name(st.ref)] = {
                "kind": "struct",
                "handle": st.python_name,
                "cxx": st.cxx_name,
                "fields": [
                    {
                        "field": f.name,
                        "numba": type_expr(f.type)[6:],
                        "offset": f.offset,
                        "size": f.size,
                    }
                    for f in fields
                ],
            }
    return found


def _enum_name(ref) -> str | None:
    from numbast_core.plan.refs import EnumRef

    return ref.python_name if isinstance(ref, EnumRef) else None


def manifest_entries(header: str, plan) -> tuple[list[dict], list[dict]]:
    """(compared, not compared) entries of every bound function and operator of ``plan``."""
    from numbast_core.plan import CallForm
    from numbast_core.render import glue
    from numbast_core.render.spelling import call_label, callee_expression, type_expr

    structs = _numeric_structs(plan)
    enums = {e.python_name: dict(e.members) for e in plan.enums}
    # (label, form, overload, callee): form "call" calls ``callee`` (a module-level expression);
    # an operator's form is its label (operator.add)
    candidates = []
    for c in plan.callables():
        if c.kind == "method" or c.form is CallForm.SETITEM:
            continue  # methods, statics and item setters are not compared
        if c.kind == "constructor" and not c.overload.params:
            continue
        if c.form in (CallForm.CALL, CallForm.CONVERSION):
            candidates.append((call_label(c), "call", c.overload, callee_expression(c)))
        else:
            candidates.append((c.python_name, c.python_name, c.overload, ""))
    compared, skipped = [], []
    for label, form, o, callee in candidates:
        entry = {"header": header, "label": label, "form": form, "callee": callee, "shim": o.shim,
                 "cxx_name": o.cxx_name, "cxx_signature": o.cxx_signature}  # fmt: skip
        try:
            if any(p.mode != "in" for p in o.params):
                raise NotNumeric("pointer or out parameter")
            stores = any(type_expr(p.type).startswith("types.CPointer(") for p in o.params)
            if o.result is None and not stores:
                raise NotNumeric("void result")
            match = GLUE.fullmatch(glue(o))
            if not match:
                raise NotNumeric("glue not understood")
            decls = _split_params(match.group(2))
            entry["params"] = [
                {
                    **_kind(type_expr(p.type), structs, _enum_name(p.type), enums),
                    "cxx": _cxx_value_type(d),
                }
                for p, d in zip(o.params, decls[1:] if o.result is not None else decls)
            ]
            entry["result"] = (
                {
                    **_kind(type_expr(o.result), structs, None, enums),
                    "cxx": _cxx_value_type(decls[0]),
                }
                if o.result is not None
                else {"kind": "void"}  # a store through a pointer: the memory is the result
            )
            entry["body"] = match.group(3)
        except NotNumeric as why:
            skipped.append({**entry, "reason": str(why)})
            continue
        compared.append(entry)
    return compared, skipped


def pregenerate(
    out_dir: Path, arch: str = "sm_90", names: list[str] | None = None, backend: str = NUMBA_CUDA
) -> dict:
    import dataclasses

    import numbast_core
    from numbast_core.render import prelude

    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"arch": arch, "backend": backend, "headers": {}}
    for header in names or [*headers(), *TOOLKIT_NUMERIC]:
        config = numbast_core.load_config(config_file(header)).with_arch(arch)
        config = dataclasses.replace(config, backend=backend)
        result = numbast_core.generate(config, out_dir)
        compared, skipped = manifest_entries(header, result.plan)
        manifest["headers"][header] = {
            "module": result.path.name,
            "prelude": prelude(result.plan),
            "enums": {e.python_name: e.cxx_name for e in result.plan.enums},
            "callables": compared,
            "not_compared": skipped,
        }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.pregenerate")
    parser.add_argument("out", type=Path)
    parser.add_argument("--arch", default="sm_90")
    parser.add_argument("--headers", nargs="*", default=None)
    parser.add_argument("--backend", choices=BACKENDS, default=NUMBA_CUDA)
    args = parser.parse_args(argv)
    manifest = pregenerate(args.out, args.arch, args.headers, args.backend)
    for header, info in manifest["headers"].items():
        print(f"{header}: {len(info['callables'])} compared, {len(info['not_compared'])} not")
    return 0


if __name__ == "__main__":
    sys.exit(main())
