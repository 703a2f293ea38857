"""Lines of the runtime copied into generated modules (issue 14: ≤300 for a plain module).

    python -m bench.runtime_lines [OUT_DIR]

Generates small modules (functions only; functions and a struct; the same for three archs) and
the fp16, fp8 and curand conformance configs, and prints a table of their runtime lines (from
the runtime's first line to its ``# ---- end of numbast runtime`` marker), code lines among them
(no blank, comment or docstring lines) and the sections each module carries.
"""

from __future__ import annotations

import dataclasses
import io
import sys
import tempfile
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = """#pragma once
__device__ inline int rl_add(int a, int b) { return a + b; }
__device__ inline float rl_scale(float x, float k) { return x * k; }
"""
STRUCTS = (
    FUNCTIONS
    + """struct rl_vec {
    float x, y;
    __device__ rl_vec(float a, float b) : x(a), y(b) {}
    __device__ float sum() const { return x + y; }
};
__device__ inline float rl_dot(rl_vec a, rl_vec b) { return a.x * b.x + a.y * b.y; }
"""
)
HOPPER = (
    FUNCTIONS
    + """#if __CUDA_ARCH__ >= 900
__device__ inline int rl_hopper(int a) { return a * 9; }
#endif
"""
)
SMALL = {  # name: (header, archs)
    "functions only": (FUNCTIONS, ("sm_90",)),
    "functions + structs, one arch": (STRUCTS, ("sm_90",)),
    "functions + structs, 3 archs": (STRUCTS, ("sm_80", "sm_90", "sm_100")),
    "functions, one on sm_90+ only, 3 archs": (HOPPER, ("sm_80", "sm_90", "sm_100")),
}
CONFORMANCE = ("cuda_fp16", "cuda_fp8", "curand_kernel")


def runtime_of(text: str) -> str:
    """The runtime part of a generated module's text."""
    start = text.index("# ---- numbast runtime")
    end = text.index("\n", text.index("# ---- end of numbast runtime"))
    return text[start : end + 1]


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    lines: set[int] = set()
    previous = tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        docstring = token.type == tokenize.STRING and previous in (
            tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.NL
        )  # fmt: skip
        ignored = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                   tokenize.DEDENT, tokenize.ENDMARKER)  # fmt: skip
        if token.type not in ignored and not docstring:
            lines.update(range(token.start[0], token.end[0] + 1))
        if token.type not in (tokenize.COMMENT, tokenize.NL):
            previous = token.type
    return len(lines)


def sections(text: str) -> list[str]:
    runtime = runtime_of(text)
    heading = "# ---- runtime section:"
    return [line[len(heading) :].split("(")[0].strip()
            for line in runtime.splitlines() if line.startswith(heading)]  # fmt: skip


def small_module(folder: Path, name: str, header: str, archs: tuple[str, ...]) -> Path:
    from numbast_core import generate, load_config

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.cuh").write_text(header)
    archs_text = ", ".join(archs)
    (folder / f"{name}.yml").write_text(
        f"Entry Point: {name}.cuh\nFile List: [{name}.cuh]\nGPU Arch: [{archs_text}]\n"
        f"Output Name: {name}.py\n"
    )
    return generate(load_config(folder / f"{name}.yml"), folder).path


def conformance_module(folder: Path, name: str) -> Path:
    from numbast_core import generate, load_config

    config = load_config(ROOT / "conformance" / "configs" / f"{name}.yml")
    return generate(dataclasses.replace(config, gpu_arch=("sm_90",)), folder).path


def table(out: Path) -> list[str]:
    rows = ["| module | runtime lines | code lines | sections |", "|---|---:|---:|---|"]
    paths = {
        label: small_module(out / f"m{i}", f"rl_m{i}", header, archs)
        for i, (label, (header, archs)) in enumerate(SMALL.items())
    }
    paths.update({f"{name} (sm_90)": conformance_module(out / name, name) for name in CONFORMANCE})
    for label, path in paths.items():
        text = path.read_text()
        runtime = runtime_of(text)
        rows.append(f"| {label} | {runtime.count(chr(10))} | {code_lines(runtime)} | "
                    f"{', '.join(sections(text)) or '-'} |")  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as work:
        print("\n".join(table(Path(argv[0] if argv else work))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
