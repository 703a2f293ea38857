"""Toolkit corpus: the CUDA toolkit's device headers, bound the way a new user would bind them.

    python -m conformance.corpus --arch sm_90 [--headers NAME ...] [--timeout S] [--jobs N]
                                 [--nvshmem ROOT]

One minimal config per header in ``conformance/corpus/`` plus the six of ``conformance/configs/``.
Each header runs in its own process (``--one``) under a timeout: generate, import, compile and
link one kernel per bound callable (as ``conformance.cpu`` does, no GPU). Prints a table and
rewrites the arch's part of the corpus section of RESULTS.md (other sections are kept): per
header declared / bound / skipped (top 3 reasons) / compiled+linked, totals, and the failures
grouped by their first compiler or linker message. ``--nvshmem ROOT`` adds NVSHMEM's device
API from the ``nvidia-nvshmem-cu13`` wheel's headers (opt-in: ``conformance/nvshmem.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from conformance import cpu, nvshmem

ROOT = Path(__file__).resolve().parent
CORPUS = ROOT / "corpus"
BEGIN, END = "<!-- corpus:begin -->", "<!-- corpus:end -->"


def configs() -> dict[str, Path]:
    """Header name -> config path: the corpus configs and the conformance suite's own six."""
    found = {p.stem: p for p in sorted(cpu.CONFIGS.glob("*.yml"))}
    found.update({p.stem: p for p in sorted(CORPUS.glob("*.yml"))})
    return dict(sorted(found.items()))


@dataclass
class Outcome:
    """What one header's child process reported (or why it reported nothing)."""

    header: str
    declared: int = 0
    bound: int = 0
    skipped: Counter = field(default_factory=Counter)
    callables: int = 0
    ok: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # python, C++, error
    error: str = ""
    seconds: float = 0.0


def run_one(header: str, config: Path, arch: str, out: Path) -> dict:
    r = cpu.run_header(header, arch, out, config_path=config)
    return {
        "header": header,
        "declared": r.declared,
        "bound": r.bound,
        "skipped": dict(r.skipped),
        "callables": r.callables,
        "ok": r.ok,
        "failed": r.failed,
        "error": r.error,
        "seconds": r.seconds,
    }


def run_in_child(header: str, config: Path, arch: str, timeout: float, out: Path) -> Outcome:
    started = time.perf_counter()
    report = out / f"{header}.json"
    cmd = [sys.executable, "-m", "conformance.corpus", "--one", str(config), "--arch", arch]
    cmd += ["--json", str(report), "--out", str(out / header)]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT.parent, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Outcome(header, error=f"timeout after {timeout:.0f} s", seconds=timeout)
    if not report.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return Outcome(
            header,
            error=f"child exited {proc.returncode}: " + " / ".join(tail),
            seconds=time.perf_counter() - started,
        )
    data = json.loads(report.read_text())
    return Outcome(
        header,
        declared=data["declared"],
        bound=data["bound"],
        skipped=Counter(data["skipped"]),
        callables=data["callables"],
        ok=data["ok"],
        failed=[tuple(f) for f in data["failed"]],
        error=data["error"],
        seconds=data["seconds"],
    )


_FIRST_ERROR = re.compile(
    r"(?:catastrophic error|error|ERROR)[^:\n]*:\s*(.+)|(Undefined reference to .+)|"
    r"(undefined .+)",
)


def failure_cause(error: str) -> str:
    """The first compiler/linker message of a failure, identifiers and numbers generalised."""
    for line in error.splitlines():
        m = _FIRST_ERROR.search(line)
        if m and "detected in the compilation" not in line:
            message = next(g for g in m.groups() if g)
            break
    else:
        message = (error.strip().splitlines() or ["(no message)"])[-1]
    message = re.sub(r'"[^"]*"', '"X"', message)
    message = re.sub(r"'[^']*'", "'X'", message)
    message = re.sub(r"\b\d+\b", "N", message)
    return message.strip()[:160]


def causes(outcomes: list[Outcome]) -> list[tuple[str, int, list[str], str]]:
    """(cause, callables, headers, one full example) for every failure, most frequent first."""
    count: Counter = Counter()
    where: dict[str, set[str]] = {}
    example: dict[str, str] = {}
    for o in outcomes:
        items = [(f"{o.header} `{p}`", e) for p, _, e in o.failed]
        if o.error:
            items = [(o.header, o.error)]
        for label, e in items:
            c = failure_cause(e)
            count[c] += 1 if not o.error else max(o.bound, 1)
            where.setdefault(c, set()).add(o.header)
            example.setdefault(c, label)
    return [(c, n, sorted(where[c]), example[c]) for c, n in count.most_common()]


def table(outcomes: list[Outcome], arch: str, wall: float) -> str:
    esc = lambda s: s.replace("|", "/").replace("\n", " ")  # noqa: E731
    lines = [
        "| header | declared | bound | skipped (top 3 reasons) | compiled+linked | % | seconds |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for o in outcomes:
        pct = f"{100 * o.ok / o.callables:.0f}%" if o.callables else "—"
        linked = f"{o.ok}/{o.callables}" if not o.error else f"ERROR: {esc(o.error[:120])}"
        lines.append(
            f"| {o.header} | {o.declared} | {o.bound} | {esc(cpu._reasons(o.skipped))} "
            f"| {linked} | {pct} | {o.seconds:.1f} |"
        )
    ok = sum(o.ok for o in outcomes)
    checked = sum(o.callables for o in outcomes)
    bound = sum(o.bound for o in outcomes)
    pct = f"{100 * ok / checked:.1f}%" if checked else "—"
    green = sum(1 for o in outcomes if not o.error and o.callables and o.ok == o.callables)
    failing = sum(1 for o in outcomes if o.error or (o.callables and o.ok == 0))
    lines += [
        f"| **total** | {sum(o.declared for o in outcomes)} | {bound} | "
        f"{sum(sum(o.skipped.values()) for o in outcomes)} | {ok}/{checked} | {pct} "
        f"| {wall:.0f} |",
        "",
        f"{len(outcomes)} headers: {green} fully green, {failing} failing or not generated, "
        f"{len(outcomes) - green - failing} partly green or binding nothing.",
        "",
        "Failures by first compiler/linker message (a header that failed as a whole counts "
        "its bound declarations):",
        "",
        "| callables | cause | headers | example |",
        "|---:|---|---|---|",
    ]
    for cause, n, headers, example in causes(outcomes):
        shown = ", ".join(headers[:4]) + (f" +{len(headers) - 4}" if len(headers) > 4 else "")
        lines.append(f"| {n} | {esc(cause)} | {shown} | {esc(example)} |")
    return "\n".join(lines) + "\n"


def update_results(text: str, arch: str, body: str) -> str:
    """Replace the ``arch`` part of the corpus section (added at the end when missing)."""
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + (
            "\n\n## Toolkit corpus: device headers bound as a new user would\n\n"
            "Written by `python -m conformance.corpus --arch ARCH`.\n\n"
            f"{BEGIN}\n{END}\n"
        )
    head, rest = text.split(BEGIN, 1)
    block, tail = rest.split(END, 1)
    parts = dict(
        re.findall(r"<!-- corpus:(\w+):begin -->\n(.*?)<!-- corpus:\1:end -->", block, re.S)
    )
    parts[arch] = f"### {arch}\n\n{body.strip()}\n"
    joined = "".join(
        f"<!-- corpus:{a}:begin -->\n{parts[a]}<!-- corpus:{a}:end -->\n"
        for a in sorted(parts, key=cpu._arch_key)
    )
    return f"{head}{BEGIN}\n{joined}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.corpus", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--arch", required=True, help="e.g. sm_90")
    parser.add_argument("--headers", nargs="*", default=None, help="config names (default: all)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per header")
    parser.add_argument("--jobs", type=int, default=1, help="headers checked at once")
    parser.add_argument("--results", type=Path, default=cpu.RESULTS, help="RESULTS.md to update")
    parser.add_argument("--no-results", action="store_true", help="do not update RESULTS.md")
    parser.add_argument(
        "--nvshmem",
        type=Path,
        metavar="ROOT",
        help="also NVSHMEM's device API: the folder holding the nvidia-nvshmem-cu13 wheel's "
        "nvidia/nvshmem/include (opt-in, not in .ci/run)",
    )
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child: one config
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:
        data = run_one(args.one.stem, args.one, args.arch, args.out)
        args.json.write_text(json.dumps(data))
        return 0
    known = configs()
    with tempfile.TemporaryDirectory(prefix="numbast-corpus-") as tmp:
        if args.nvshmem is not None:
            include = nvshmem.include_dir(args.nvshmem)
            if include is None:
                parser.error(f"--nvshmem: no nvshmem.h under {args.nvshmem}")
            known[nvshmem.NAME] = nvshmem.write_config(Path(tmp, "nvshmem-config"), include)
        names = args.headers or list(known)
        unknown = sorted(set(names) - set(known))
        if unknown:
            hint = " (NVSHMEM: give --nvshmem ROOT)" if nvshmem.NAME in unknown else ""
            parser.error(f"no config for {', '.join(unknown)} in {CORPUS} or {cpu.CONFIGS}{hint}")
        started = time.perf_counter()
        outcomes = _run_all(names, known, args, Path(tmp))
    body = table(outcomes, args.arch, time.perf_counter() - started)
    print(f"\n## {args.arch}\n\n{body}")
    if not args.no_results and set(names) == set(known):
        cpu.locked_update(args.results, lambda text: update_results(text, args.arch, body))
    elif not args.no_results:
        print("(RESULTS.md not updated: only a subset of headers ran)", file=sys.stderr)
    return 0


def timeout_for(name: str, timeout: float) -> float:
    """NVSHMEM (~3,000 callables) gets at least ``NVSHMEM_TIMEOUT`` seconds."""
    return max(timeout, NVSHMEM_TIMEOUT) if name == nvshmem.NAME else timeout


NVSHMEM_TIMEOUT = 1800.0


def _run_all(names: list[str], known: dict[str, Path], args, tmp: Path) -> list[Outcome]:
    """Each header in its own child process, ``args.jobs`` at once."""

    def one(name: str) -> Outcome:
        o = run_in_child(name, known[name], args.arch, timeout_for(name, args.timeout), tmp)
        status = o.error[:80] if o.error else f"{o.ok}/{o.callables} ok"
        print(f"{args.arch} {name}: {status} ({o.seconds:.1f} s)", file=sys.stderr)
        return o

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        return list(pool.map(one, names))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
