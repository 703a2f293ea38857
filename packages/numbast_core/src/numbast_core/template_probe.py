"""At generation: NVRTC's answer to "what type does this template instance's call return?",
for the config's Template Instances (no numba; the module's runtime asks the same at kernel
compile, through the same C++ helpers, ``render/template_cxx.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from .glue_build import nvrtc_version
from .plan.instances import ResolvedInstance
from .plan.refs import TypeRef
from .render.template_cxx import (
    RESULT_ID,
    TEMPLATE_HELPERS,
    answers,
    id_specializations,
    result_expression,
)


def _compile(source: str, arch: str, dirs, headers, expressions: list[str]) -> list[int] | str:
    """The integers each name expression carries, or NVRTC's log (a str)."""
    from cuda.bindings import nvrtc

    names = [n.encode() for n in headers]
    texts = [t if isinstance(t, bytes) else t.encode() for t in headers.values()]
    program = nvrtc.nvrtcCreateProgram(source.encode(), b"probe.cu", len(names), texts, names)[1]
    try:
        for e in expressions:
            nvrtc.nvrtcAddNameExpression(program, e.encode())
        options = [f"-arch={arch}", "-rdc=true", "-dlto", *(f"-I{d}" for d in dirs)]
        if nvrtc.nvrtcCompileProgram(program, len(options), [o.encode() for o in options])[0]:
            log = b" " * nvrtc.nvrtcGetProgramLogSize(program)[1]
            nvrtc.nvrtcGetProgramLog(program, log)
            lines = log.decode(errors="replace").rstrip("\0").splitlines()
            return " ".join(ln.strip() for ln in lines if "error" in ln)[:500] or "(no log)"
        found = [nvrtc.nvrtcGetLoweredName(program, e.encode())[1].decode() for e in expressions]
        return [answers(m)[0] for m in found]
    finally:
        nvrtc.nvrtcDestroyProgram(program)


def result_ids(
    prelude: str,
    resolved: list[ResolvedInstance],
    table: list[tuple[str, TypeRef]],
    arch: str,
    dirs: tuple[str, ...],
    headers: Mapping[str, str | bytes],
) -> list[int | str]:
    """Per instance: its result's id in ``table`` (0 void, -1 none) or NVRTC's error. One
    NVRTC compile per instance. Raises ``glue_build.NvrtcUnavailable``."""
    nvrtc_version()
    shared = prelude + TEMPLATE_HELPERS + id_specializations([cxx for cxx, _ in table])
    found: list[int | str] = []
    for inst in resolved:
        args = ", ".join(f"__numbast_declval<{cxx}&>()" for cxx, _ in inst.arguments)
        source = shared + result_expression(f"{inst.callee}({args})")
        answer = _compile(source, arch, dirs, headers, [RESULT_ID])
        found.append(answer if isinstance(answer, str) else answer[0])
    return found
