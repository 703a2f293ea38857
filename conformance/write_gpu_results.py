"""Merge the GPU tier's JSON results into the GPU-tier section of conformance/RESULTS.md.

    python -m conformance.write_gpu_results RESULTS_DIR [--results conformance/RESULTS.md]

RESULTS_DIR is what ``NUMBAST_GPU_RESULTS`` named for the GPU run: one JSON per header and
backend (``cuda_fp8.json`` for numba-cuda, ``cuda_fp8.numba-cuda-mlir.json``); the table has
one row per header and backend.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conformance.cpu import GPU_BEGIN, GPU_END, RESULTS, locked_update, replace_between


def _label(result: dict) -> str:
    backend = result.get("backend", "numba-cuda")
    return result["header"] + ("" if backend == "numba-cuda" else f" ({backend})")


def render(results: list[dict]) -> str:
    if not results:
        return "_no GPU results found_\n"
    first = results[0]
    lines = [
        f"Run {first.get('date', '?')} on {first.get('gpu', '?')} (cc {first.get('cc', '?')}), "
        f"driver {first.get('driver', '?')} (CUDA {first.get('driver_cuda_version', '?')}).",
        "",
        "| header | backend | functions checked | bit-exact | mismatching | inputs compared "
        "| not compared (non-numeric) | ml_dtypes checks | ml_dtypes mismatches |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        oracle = r.get("oracle", {})
        lines.append(
            f"| {r['header']} | {r.get('backend', 'numba-cuda')} "
            f"| {r['functions_checked']} | {r['bit_exact']} "
            f"| {len(r['failures'])} | {r.get('inputs_compared', '—')} "
            f"| {r.get('not_compared', '—')} "
            f"| {oracle.get('checked', '—')} | {len(oracle.get('mismatches', [])) or 0} |"
        )
    mismatches = [(_label(r), f) for r in results for f in r["failures"]]
    oracle = [(r["header"], m) for r in results for m in r.get("oracle", {}).get("mismatches", [])]
    if mismatches:
        lines += ["", "Mismatches (first input of each; Numba binding vs native C++):", ""]
        for header, f in mismatches[:200]:
            if f.get("error"):
                what = "error: " + f["error"].strip().splitlines()[0][:300]
            elif "mismatches" in f:
                m = f["mismatches"][0]
                what = f"input {m['input']} enums {m['enums']}: numba {m['numba']}, C++ {m['cxx']}"
            else:
                what = f"input {f.get('input')}: numba {f.get('numba')}, C++ {f.get('cxx')}"
            lines.append(f"- {header} `{f['name']}` {f.get('signature', '')}: {what}")
    if oracle:
        lines += ["", "ml_dtypes disagreements:", ""]
        lines += [
            f"- {h} `{m['name']}` input {m['input']}: binding {m['binding']}, "
            f"ml_dtypes {m['ml_dtypes']}"
            for h, m in oracle[:100]
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.write_gpu_results")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    results = [json.loads(p.read_text()) for p in sorted(args.folder.glob("*.json"))]
    body = render(results)
    locked_update(args.results, lambda text: replace_between(text, GPU_BEGIN, GPU_END, body))
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
