"""CPU tier of the conformance suite: every binding of every real CUDA header compiles and links.

    python -m conformance.cpu --arch sm_90 [--headers cuda_fp8 ...] [--results PATH]

For each config in ``conformance/configs/`` (a new header is a new config file), generate the
module for the arch, import it and compile+link one kernel per bound callable (functions, struct
constructors/methods/statics/conversions, operators) with NVRTC and nvJitLink, no GPU needed.
Prints a markdown table for the arch and rewrites that arch's section of RESULTS.md; exits 1 if
any bound callable fails.

Coverage ("unique device-callable C++ function names, declared vs bound"), by name not overload:
a *declared* name is the qualified C++ name of every function, operator and struct member
(constructor, method, static method, conversion; spelled ``Struct::member``, e.g.
``__nv_fp8_e4m3::operator float``) that the plan saw, except host-only functions and
``__global__`` kernels (not device-callable), Skip-Prefix names (header internals, not API),
destructors and move constructors (not callable from Python values) and C++ operators with no
Python spelling (``=``, ``++``, ``[]``, ...); bound function templates count by name (a kernel's
call instantiates them). Operators whose operands are all numba-cuda native
types (``__half + __half``) count as *native*: numba-cuda's own operator is what a kernel gets.
A name is *bound* when at least one of its overloads is bound, or when its only overload was
dropped for one with the same Numba signature (which a kernel calls instead); names excluded by
the config (each with its reason in the config) are listed apart. Coverage = (bound or native) /
(declared - excluded).
"""

from __future__ import annotations

import argparse
import fcntl
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
CONFIGS = ROOT / "configs"
RESULTS = ROOT / "RESULTS.md"
ARCHS = ("sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_120")
CALLABLE_KINDS = {"function", "operator", "constructor", "method", "conversion", "member"}
# Skips that leave a callable to numba-cuda's own types (float16, bfloat16 in the global
# registry): a kernel gets numba-cuda's meaning, as intended.
NATIVE_REASONS = (
    "numba-cuda's own operator applies",
    "arithmetic and comparisons itself",
    "numba-cuda's own `",
)
EXCLUDED_REASON = "excluded by config Exclude"
# An overload dropped for another with the same Numba signature: a kernel reaches it through
# the one kept (`types.int64(x)` calls `operator long`, not `operator long long`).
SAME_SIGNATURE_REASON = "same Numba signature as"
# Skipped callables that are not part of the device-callable API a user could miss.
NOT_API_REASONS = (
    "host-only",
    "__global__ kernel",
    "name starts with config Skip Prefix",
    "destructor:",
    "move constructor:",
    "has no Python equivalent",
)


def headers() -> list[str]:
    return sorted(p.stem for p in CONFIGS.glob("*.yml"))


@dataclass
class HeaderResult:
    header: str
    arch: str
    declared: int = 0  # declarations seen (plan rows: bound + skipped)
    bound: int = 0  # bound declarations (plan rows)
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    callables: int = 0  # bound callables checked (one kernel each)
    ok: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (python, C++, error)
    names_declared: set[str] = field(default_factory=set)
    names_bound: set[str] = field(default_factory=set)
    names_native: set[str] = field(default_factory=set)
    names_excluded: set[str] = field(default_factory=set)  # by the config, with a reason there
    seconds: float = 0.0
    error: str = ""  # generation/import failed as a whole

    @property
    def unbound_names(self) -> list[str]:
        covered = self.names_bound | self.names_native | self.names_excluded
        return sorted(self.names_declared - covered)


def _name_of(cxx: str) -> str:
    """Qualified C++ name from a signature or name ("__half __hadd(const __half a, ...)")."""
    if "(" not in cxx:
        return cxx
    head = cxx[: cxx.index("(")] if "operator()" not in cxx else cxx[: cxx.index("operator()") + 10]
    match = re.search(r"((?:[\w:~]+::)?operator\s*.+|[\w:~]+)$", head.strip())
    return match.group(1).strip() if match else head.strip()


def _overload_names(plan) -> dict[str, str]:
    """Qualified name of every bound callable's shim (struct members as ``Struct::member``)."""
    from numbast_core.check import calls_of

    foreign = {o.shim for st in plan.structs for o in st.ctors if _foreign(st, o.cxx_name)}
    names = {}
    for call in calls_of(plan):
        o = call.overload
        if o.shim not in foreign:
            names[o.shim] = o.cxx_name
    for st in plan.structs:
        if st.dependency:
            names.update((o.shim, o.cxx_name) for o in st.ctors if o.shim not in foreign)
            continue
        for _, o, _ in st.conversions:
            names[o.shim] = _member(st.cxx_name, o.cxx_name)
        for o in st.ctors:
            names[o.shim] = _member(st.cxx_name, o.cxx_name)
        for _, ovs in st.methods + st.statics:
            for o in ovs:
                names[o.shim] = _member(st.cxx_name, o.cxx_name)
    return names


def _foreign(st, cxx_name: str) -> bool:
    """A member of another header's struct (a dependency) that this header does not declare:
    all but this header's own conversion operators to it, bound as its constructors."""
    return st.dependency and "operator" not in cxx_name


def _member(struct: str, name: str) -> str:
    return name if name.startswith(struct + "::") else f"{struct}::{name.split('::')[-1]}"


def coverage(plan, result: HeaderResult) -> None:
    for name in _overload_names(plan).values():
        result.names_declared.add(name)
        result.names_bound.add(name)
    for t in plan.function_templates:  # instantiated when a kernel is compiled
        result.names_declared.add(t.cxx_name.lstrip(":"))
        result.names_bound.add(t.cxx_name.lstrip(":"))
    for s in plan.skipped:
        if s.kind not in CALLABLE_KINDS or any(r in s.reason for r in NOT_API_REASONS):
            continue
        name = _name_of(s.cxx_name)
        result.names_declared.add(name)
        if any(r in s.reason for r in NATIVE_REASONS):
            result.names_native.add(name)
        if EXCLUDED_REASON in s.reason:
            result.names_excluded.add(name)
        if s.reason.startswith(SAME_SIGNATURE_REASON):
            result.names_bound.add(name)


def run_header(
    header: str, arch: str, out_dir: Path, config_path: Path | None = None
) -> HeaderResult:
    """Generate and check one config (``configs/<header>.yml`` unless ``config_path``)."""
    import numbast_core
    from numbast_core.check import check_module

    result = HeaderResult(header, arch)
    started = time.perf_counter()
    try:
        path = config_path or CONFIGS / f"{header}.yml"
        config = numbast_core.load_config(path).with_arch(arch)
        generated = numbast_core.generate(config, out_dir / arch)
        plan = generated.plan
        # another header's structs and their constructors are not this header's declarations
        structs = {st.python_name: st for st in plan.structs}
        rows = [
            r
            for r in plan.rows()
            if r.python_name not in structs or not _foreign(structs[r.python_name], r.cxx_name)
        ]
        result.declared = len(rows)
        result.bound = sum(r.status == "bound" for r in rows)
        result.skipped = Counter(s.reason for s in plan.skipped)
        coverage(plan, result)
        report = check_module(generated.path, plan, arch)
    except Exception as error:  # the whole header failed: that is the finding
        result.error = f"{type(error).__name__}: {error}"
        result.seconds = time.perf_counter() - started
        return result
    result.callables = len(report.results)
    result.ok = report.ok_count
    result.failed = [(r.python_name, r.cxx_name, r.error) for r in report.failed]
    result.seconds = time.perf_counter() - started
    return result


# ---------------------------------------------------------------------------------------------
# reporting


def _reasons(counter: Counter, top: int = 3) -> str:
    if not counter:
        return "0"
    parts = [f"{n} {reason.replace('|', '/')}" for reason, n in counter.most_common(top)]
    rest = sum(counter.values()) - sum(n for _, n in counter.most_common(top))
    more = f"; +{rest} other" if rest else ""
    return f"{sum(counter.values())}: " + "; ".join(parts) + more


def table(results: list[HeaderResult]) -> str:
    lines = [
        "| header | declared | bound | skipped (top reasons) | callables | compiled+linked ok "
        "| failed | seconds |",
        "|---|---:|---:|---|---:|---:|---|---:|",
    ]
    for r in results:
        failed = r.error or ", ".join(sorted({f"`{p}`" for p, _, _ in r.failed})) or "—"
        lines.append(
            f"| {r.header} | {r.declared} | {r.bound} | {_reasons(r.skipped)} | {r.callables} "
            f"| {r.ok} | {failed.replace('|', '/')} | {r.seconds:.1f} |"
        )
    lines += [
        "",
        "Coverage (unique device-callable C++ names; see `conformance/cpu.py` for what counts):",
        "",
        "| header | declared | bound | native (numba-cuda operator) | excluded by config "
        "| coverage | not bound |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        n = len(r.names_declared - (r.names_excluded - r.names_bound))
        covered = len(r.names_bound | r.names_native)
        pct = f"{100 * covered / n:.1f}%" if n else "—"
        missing = r.unbound_names
        shown = ", ".join(f"`{m}`" for m in missing[:8]) + (
            f" +{len(missing) - 8} more" if len(missing) > 8 else ""
        )
        lines.append(
            f"| {r.header} | {len(r.names_declared)} | {len(r.names_bound)} "
            f"| {len(r.names_native)} | {len(r.names_excluded)} | {pct} "
            f"| {shown or '—'} |"
        )
    return "\n".join(lines) + "\n"


CPU_BEGIN, CPU_END = "<!-- cpu-tier:begin -->", "<!-- cpu-tier:end -->"
GPU_BEGIN, GPU_END = "<!-- gpu-tier:begin -->", "<!-- gpu-tier:end -->"
SKELETON = f"""# Conformance results

Written by the conformance runs (`python -m conformance.cpu --arch ARCH`,
`python -m conformance.write_gpu_results`), never by hand.

## CPU tier: every binding compiles and links, per arch

{CPU_BEGIN}
{CPU_END}

## GPU tier: bound functions vs native CUDA C++, bit for bit

{GPU_BEGIN}
_not run yet_
{GPU_END}
"""


def _arch_key(arch: str) -> int:
    return int(re.sub(r"\D", "", arch) or 0)


def replace_between(text: str, begin: str, end: str, body: str) -> str:
    if begin not in text or end not in text:
        text = SKELETON
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body.strip()}\n{end}{tail}"


def update_cpu_section(text: str, arch: str, body: str) -> str:
    """Replace (or add) the section of ``arch`` inside the CPU-tier block; others are kept."""
    if CPU_BEGIN not in text or CPU_END not in text:
        text = SKELETON
    block = text.split(CPU_BEGIN, 1)[1].split(CPU_END, 1)[0]
    sections = dict(
        re.findall(r"<!-- cpu:(\w+):begin -->\n(.*?)<!-- cpu:\1:end -->", block, flags=re.S)
    )
    sections[arch] = f"### {arch}\n\n{body.strip()}\n"
    joined = "\n".join(
        f"<!-- cpu:{a}:begin -->\n{sections[a]}<!-- cpu:{a}:end -->\n"
        for a in sorted(sections, key=_arch_key)
    )
    return replace_between(text, CPU_BEGIN, CPU_END, joined)


def locked_update(path: Path, change) -> None:
    """Read-modify-write ``path`` under an exclusive lock (runs for several archs in parallel)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = path.read_text(encoding="utf-8") if path.exists() else SKELETON
        new = change(text)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.cpu", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--arch", required=True, help="e.g. sm_90")
    parser.add_argument("--headers", nargs="*", default=None, help="config names (default: all)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="RESULTS.md to update")
    parser.add_argument("--no-results", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--out", type=Path, default=None, help="keep generated modules here")
    parser.add_argument("--verbose", "-v", action="store_true", help="print full error logs")
    args = parser.parse_args(argv)

    names = args.headers or headers()
    unknown = sorted(set(names) - set(headers()))
    if unknown:
        parser.error(f"no config for {', '.join(unknown)} in {CONFIGS}")
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="numbast-conformance-") as tmp:
        out = args.out or Path(tmp)
        for header in names:
            results.append(run_header(header, args.arch, out))
            r = results[-1]
            status = "ERROR" if r.error else f"{r.ok}/{r.callables} ok"
            print(f"{args.arch} {header}: {status} ({r.seconds:.1f} s)", file=sys.stderr)
    total = time.perf_counter() - started
    body = table(results) + f"\nWall time for {args.arch}: {total:.1f} s.\n"
    print(f"\n## {args.arch}\n\n{body}")
    for r in results:
        for python_name, cxx, error in r.failed:
            message = error if args.verbose else error.strip().splitlines()[-1][:300]
            print(f"FAILED {args.arch} {r.header} `{python_name}` ({cxx}): {message}")
        if r.error:
            print(f"ERROR {args.arch} {r.header}: {r.error}")
    if not args.no_results and set(names) == set(headers()):
        locked_update(args.results, lambda text: update_cpu_section(text, args.arch, body))
    elif not args.no_results:
        print("(RESULTS.md not updated: only a subset of headers ran)", file=sys.stderr)
    return 1 if any(r.failed or r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
