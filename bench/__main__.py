"""python -m bench [--cpu] [--gpu] [--portable] [--dry-run] [--runs N] [--reps N] [--out FILE]

No flag: the CPU and portable parts, and the GPU part when a GPU is present. ``--gpu
--dry-run`` compiles every GPU kernel for sm_90 on the CPU without launching anything. Each part
rewrites only its own section of the results file (between ``<!-- bench:NAME -->`` markers); the
tables are printed last.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import re
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {
    "generate_s": 0.40,
    "generate_mb": 150.0,
    "second_kernel_s": 0.05,
    "hundred_s": 0.35,
    "import_bf16_s": 0.040,
    "ratio_hand": 1.01,
    "ratio_shipped": 1.00,
}


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _header(title: str, extra: list[str]) -> list[str]:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    versions = ", ".join(
        f"{d} {_version(d)}"
        for d in ("numba-cuda", "numba", "numbast-core", "ast-canopy", "cupy-cuda13x", "cuda-core")
        if _version(d) != "-"
    )
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load average at start {os.getloadavg()[0]:.1f}"
    return [
        f"## {title}",
        "",
        f"- date: {now}",
        f"- machine: {_cpu_model()}, {os.cpu_count()} cores{load}",
        f"- Python {platform.python_version()}; {versions}",
        *[f"- {line}" for line in extra],
        "",
    ]


def _mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


# ---- CPU section -----------------------------------------------------------------------------
def cpu_section(r: dict) -> list[str]:
    t = TARGETS
    out = _header("CPU", [f"median of {r['runs']} runs after a warm-up (fresh process each)"])
    out += [
        "### `numbast generate` (whole process, `-q`, with ruff format)",
        "",
        "Wall time depends on the load of the box (see the load average above); CPU s (user + sys",
        "of the child, median) does not, and is what an idle machine's wall time approaches.",
        "",
        "| header | median s | min s | max s | CPU s | peak RSS MB | target (cuda_fp16) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in r["whole"]:
        med = statistics.median(row["wall"])
        target = ""
        if row["header"] == "cuda_fp16":
            ok = med <= t["generate_s"] and row["rss_mb"] <= t["generate_mb"]
            target = f"≤ {t['generate_s']} s, ≤ {t['generate_mb']:.0f} MB: {_mark(ok)}"
        out.append(
            f"| {row['header']} | {med:.3f} | {min(row['wall']):.3f} | {max(row['wall']):.3f} "
            f"| {row['cpu']:.3f} | {row['rss_mb']:.0f} | {target} |"
        )
    stages = [k for k in r["stages"][0] if k != "header"]
    out += [
        "",
        "### In-process stage split (`GenerationResult.timings`, median s)",
        "",
        "| header | " + " | ".join(stages) + " | sum |",
        "|---|" + "---:|" * (len(stages) + 1),
    ]
    for row in r["stages"]:
        vals = [row[s] for s in stages]
        out.append(
            f"| {row['header']} | " + " | ".join(f"{v:.3f}" for v in vals) + f" | {sum(vals):.3f} |"
        )
    base = r["imports"]["numba.cuda only"][0]
    out += [
        "",
        "### Import time of each generated module",
        "",
        f"Fresh process per run: `import numba.cuda` first (median {base * 1e3:.0f} ms), then",
        "the module; the column is the module's own import time on top of numba.cuda.",
        "",
        "| module | import over `numba.cuda` ms | target |",
        "|---|---:|---|",
    ]
    for name, (_, extra) in r["imports"].items():
        if name == "numba.cuda only":
            continue
        target = "(reference: numba-cuda's own module)" if name.startswith("numba.") else ""
        if name == "cuda_bf16":
            target = f"≤ {t['import_bf16_s'] * 1e3:.0f} ms: {_mark(extra <= t['import_bf16_s'])}"
        out.append(f"| {name} | {extra * 1e3:.1f} | {target} |")
    out += [
        "",
        "### Size of each generated module",
        "",
        "Runtime = lines from the `# ---- numbast runtime` marker to the",
        "`# ---- end of numbast runtime` marker, inclusive. Per overload = all other lines (header",
        "comment, C++ glue table, rows, `__all__`) divided by the bound overloads (functions,",
        "ctors, methods, statics, conversions and operators, as `numbast_core.check.calls_of`",
        "counts them).",
        "",
        "| module | lines | runtime lines | bound overloads | lines per overload |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, m in r["lines"].items():
        out.append(
            f"| {name} | {m['total']} | {m['runtime']} | {m['overloads']} "
            f"| {m['per_overload']:.1f} |"
        )
    out += [
        "",
        "### Compile + link for sm_90 on CPU (cuda_fp16 bindings, median s)",
        "",
        "numba → LTO-IR, the module's C++ glue → LTO-IR by NVRTC (once per process), nvJitLink →",
        "cubin; the steps run in this order in one fresh process per run.",
        "",
        "| step | s | target |",
        "|---|---:|---|",
    ]
    for name, v in r["compile"].items():
        target = ""
        if name.startswith("(b)"):
            target = f"≤ {t['second_kernel_s']} s: {_mark(v <= t['second_kernel_s'])}"
        if name.startswith("(c)"):
            target = f"≤ {t['hundred_s']} s: {_mark(v <= t['hundred_s'])}"
        value = f"{v:.0f}" if name.startswith("glue NVRTC compiles") else f"{v:.3f}"
        out.append(f"| {name} | {value} | {target} |")
    return [*out, ""]


# ---- GPU sections ----------------------------------------------------------------------------
def dry_section(rows: list[tuple]) -> list[str]:
    out = _header(
        "GPU kernels, dry run (compiled on CPU for sm_90, nothing launched)",
        ["Numba kernels: compile + nvJitLink link to cubin; native: NVRTC to PTX"],
    )
    out += ["| kernel | variant | compile s | result |", "|---|---|---:|---|"]
    for case, kind, seconds, status in rows:
        out.append(f"| {case} | {kind} | {seconds:.3f} | {status} |")
    return [*out, ""]


def gpu_section(res: dict) -> list[str]:
    info = res["info"]
    out = _header(
        "GPU kernels",
        [
            f"card: {info['card']} ({info['sms']} SMs), driver {info['driver']}",
            f"{info['n']} elements, one per thread, 256 threads/block (grid-stride row: SMs x 32"
            f" blocks); CUDA-event timing, median of {info['reps']} after 3 warm-ups",
            "(1) numbast bindings, (2) hand-written declare_device + CUSource, (3) numba-cuda's"
            " shipped binding, (4) native CUDA C++ (cupy.RawKernel)",
            "copy ceiling: device-to-device copy of the same number of bytes (read + write)",
        ],
    )
    out += [
        "| kernel | variant | ms | GB/s | % of copy | (1)/this | call left? | first launch s |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    by_case: dict[str, list[dict]] = {}
    for row in res["rows"]:
        by_case.setdefault(row["case"], []).append(row)
    missed = []
    for case, rows in by_case.items():
        ref = next((r for r in rows if r["kind"] in ("numbast", "numba") and "ms" in r), None)
        copy_gbs = rows[0]["bytes"] / rows[0]["copy_ms"] / 1e6
        copy_ms = rows[0]["copy_ms"]
        out.append(f"| {case} | device copy | {copy_ms:.4f} | {copy_gbs:.0f} | 100 | | | |")
        for r in rows:
            if "error" in r:
                out.append(f"| {case} | {r['kind']} | failed: {r['error']} | | | | | |")
                continue
            gbs = r["bytes"] / r["ms"] / 1e6
            ratio = ref["ms"] / r["ms"] if ref and r is not ref else math.nan
            label = {"hand": "(2) hand", "shipped": "(3) shipped", "native": "(4) native"}
            kind = label.get(r["kind"], f"(1) {r['kind']}")
            ratio_text = "" if math.isnan(ratio) else f"{ratio:.3f}"
            if r["kind"] == "hand" and ratio > TARGETS["ratio_hand"]:
                missed.append(f"{case}: (1)/(2) = {ratio:.3f} > {TARGETS['ratio_hand']}")
            if r["kind"] == "shipped" and ratio > TARGETS["ratio_shipped"]:
                missed.append(f"{case}: (1)/(3) = {ratio:.3f} > {TARGETS['ratio_shipped']}")
            out.append(
                f"| {case} | {kind} | {r['ms']:.4f} | {gbs:.0f} | {100 * gbs / copy_gbs:.0f} "
                f"| {ratio_text} | {r.get('call', '')} | {r['first_launch_s']:.3f} |"
            )
        if case.startswith(("half2", "curand")) and rows[0].get("note"):
            out.append(f"| {case} | (3) shipped | n/a: {rows[0]['note']} | | | | | |")
    out += ["", "Targets: (1)/(2) ≤ 1.01, (1)/(3) ≤ 1.00, no CALL in (1)'s SASS."]
    out += [f"- missed: {m}" for m in missed] or ["- all ratio targets met"]
    return [*out, ""]


# ---- results file ----------------------------------------------------------------------------
def write_section(path: Path, name: str, lines: list[str]) -> None:
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = "\n".join([begin, *lines, end])
    text = path.read_text() if path.exists() else ""
    if not text:
        text = "# Numbast benchmark results\n\nWritten by `python -m bench` (bench/__init__.py).\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", action="store_true", help="CPU benchmarks")
    parser.add_argument("--gpu", action="store_true", help="GPU kernel benchmarks")
    parser.add_argument("--portable", action="store_true", help="multi-arch, first kernel, import")
    parser.add_argument("--dry-run", action="store_true", help="with --gpu: compile only, on CPU")
    parser.add_argument("--runs", type=int, default=5, help="CPU runs per measurement (≥ 5)")
    parser.add_argument("--reps", type=int, default=50, help="GPU timed launches (≥ 50)")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    if not (args.cpu or args.gpu or args.portable):
        args.cpu = args.portable = True
        args.gpu = _gpu_present()
    out, printed = Path(args.out), []
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    if args.cpu:
        from bench import cpu

        lines = cpu_section(cpu.run(args.runs, log=log))
        write_section(out, "cpu", lines)
        printed += lines
    if args.portable:
        from bench import portable

        log("portable modules: generation, first kernel, import ...")
        lines = portable.run(args.runs)
        write_section(out, "portable", lines)
        printed += lines
    if args.gpu and args.dry_run:
        from bench import gpu

        if not os.environ.get("NUMBAST_PREGENERATED"):
            import tempfile

            from bench.pregenerate import pregenerate

            folder = tempfile.mkdtemp(prefix="bench-pregen-")
            pregenerate(folder)
            os.environ["NUMBAST_PREGENERATED"] = folder
        lines = dry_section(gpu.dry_run())
        write_section(out, "gpu-dry-run", lines)
        printed += lines
    elif args.gpu:
        from bench import gpu

        log("GPU kernels ...")
        lines = gpu_section(gpu.gpu_run(reps=args.reps, log=log))
        write_section(out, "gpu", lines)
        printed += lines
    print("\n".join(printed))
    return 0


def _gpu_present() -> bool:
    try:
        from numba import cuda

        return cuda.is_available()
    except Exception:
        return False


if __name__ == "__main__":
    sys.exit(main())
