# (numbast_core.glue_build imports this file too: it compiles the glue at generation as the
# module does at run time)
# ---- runtime section: nvrtc (compiles C++ glue to LTO-IR) -------------------------------------
import re as _re

_GLUE_ERROR = _re.compile(r"glue\.cu\((\d+)\): (?:catastrophic )?error|line (\d+) of \S*glue\.cu")


def _nvrtc_ltoir(source, arch, include_dirs, headers, extra=()):
    """LTO-IR (bytes) of ``source`` for ``arch``, or NVRTC's log (a str) when it does not
    compile. ``headers``: (include name, text) pairs given to NVRTC in memory; include dirs
    are options, so no process-global state changes; ``extra``: more NVRTC options."""
    from cuda.bindings import nvrtc

    names = [n.encode() for n, _ in headers]
    texts = [t if isinstance(t, bytes) else t.encode() for _, t in headers]
    ok = nvrtc.nvrtcResult.NVRTC_SUCCESS
    status, program = nvrtc.nvrtcCreateProgram(
        source.encode(), b"glue.cu", len(names), texts, names
    )
    if status != ok:  # (duplicate or invalid header names)
        raise RuntimeError(f"nvrtcCreateProgram: {status!r}")
    try:
        options = [f"-arch={arch}", "-rdc=true", "-dlto", *(f"-I{d}" for d in include_dirs)]
        options += extra
        if nvrtc.nvrtcCompileProgram(program, len(options), [o.encode() for o in options])[0] != ok:
            log = b" " * nvrtc.nvrtcGetProgramLogSize(program)[1]
            nvrtc.nvrtcGetProgramLog(program, log)
            return f"NVRTC ({arch}) compilation log:\n" + log.decode(errors="replace").rstrip("\0")
        code = b" " * nvrtc.nvrtcGetLTOIRSize(program)[1]
        nvrtc.nvrtcGetLTOIR(program, code)
        return bytes(code)
    finally:
        nvrtc.nvrtcDestroyProgram(program)


def _blamed(log, owner):
    """The shims on whose lines (``owner``: {line: shim}) NVRTC's ``log`` reports an error
    (a warning on a shim's line is not its failure)."""
    lines = (int(a or b) for a, b in _GLUE_ERROR.findall(log))
    return {owner[line] for line in lines if line in owner}
