"""Property: any header the C++ grammar writes generates, accounts for every declaration, and
its bindings compile, link and lay structs out as the C++ compiler does.

Per example (a header from ``_header_grammar.headers()``):
- generation never raises;
- every declaration is in the plan, bound or skipped with a non-empty reason (struct fields
  too; enum members keep their values);
- ``numbast_core.check.check_module`` compiles and links every bound callable for sm_90;
- each bound struct's size, alignment and field offsets/sizes are those NVRTC computes for the
  header (``compiler_layouts``), compiled with the glue's standard headers.

The generator bugs it found (a ``bool`` member stored as ``i1``, a ``const`` member's deleted
``operator=``, ``int64_t`` spelled ``long``) are fixed: every failure fails the test.

CI runs a few derandomized examples; ``NUMBAST_HYPOTHESIS_PROFILE=many`` runs 200 random ones
(``NUMBAST_HYPOTHESIS_EXAMPLES=N`` sets the count).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import _header_grammar as grammar
import pytest
from hypothesis import HealthCheck, event, given, settings

PROFILES = {"ci": 15, "many": 200}
PROFILE = os.environ.get("NUMBAST_HYPOTHESIS_PROFILE", "ci")
if PROFILE not in PROFILES:
    raise ValueError(f"NUMBAST_HYPOTHESIS_PROFILE={PROFILE!r}: expected one of {sorted(PROFILES)}")
EXAMPLES = int(os.environ.get("NUMBAST_HYPOTHESIS_EXAMPLES", PROFILES[PROFILE]))

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=PROFILE == "ci",
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONFIG = """\
Entry Point: h.cuh
File List: [h.cuh]
GPU Arch: [sm_90]
Output Name: h_bindings.py
"""


def _nvrtc_ptx(header_dir: Path, source: str) -> tuple[str | None, str]:
    """(PTX or None, log) of ``source`` compiled by NVRTC for compute_90 with the glue's
    in-memory standard headers."""
    from ast_canopy.cuda_paths import find_cuda_paths
    from cuda.bindings import nvrtc
    from numbast_core import stdcompat

    headers = stdcompat.nvrtc_headers()
    names = [k.encode() for k in headers]
    texts = [v.encode() for v in headers.values()]
    err, prog = nvrtc.nvrtcCreateProgram(source.encode(), b"probe.cu", len(names), texts, names)
    assert err == nvrtc.nvrtcResult.NVRTC_SUCCESS, err
    dirs = [str(header_dir), *find_cuda_paths().nvrtc_include_dirs]
    options = [b"-arch=compute_90", b"-rdc=true", *(f"-I{d}".encode() for d in dirs)]
    try:
        (result,) = nvrtc.nvrtcCompileProgram(prog, len(options), options)
        _, size = nvrtc.nvrtcGetProgramLogSize(prog)
        log = b" " * size
        nvrtc.nvrtcGetProgramLog(prog, log)
        ptx = None
        if result == nvrtc.nvrtcResult.NVRTC_SUCCESS:
            _, size = nvrtc.nvrtcGetPTXSize(prog)
            ptx = b" " * size
            nvrtc.nvrtcGetPTX(prog, ptx)
    finally:
        nvrtc.nvrtcDestroyProgram(prog)
    text = ptx.decode().rstrip("\0") if ptx is not None else None
    return text, log.decode(errors="replace").rstrip("\0")


def compiler_layouts(header: grammar.Header, header_dir: Path) -> dict[str, int]:
    """{C++ expression: value} for each struct's sizeof/alignof and each named field's offsetof/
    sizeof, as NVRTC computes them. NVRTC's ``offsetof`` is no constant expression for
    ``static_assert``, so the values go into a ``__device__`` array read back from the PTX. Also
    proves NVRTC accepts the header: a grammar that writes invalid C++ fails here."""
    exprs = []
    for s in header.structs:
        exprs += [f"sizeof({s.qualified})", f"alignof({s.qualified})"]
        for f in s.fields:
            if f.name is not None and not f.bitfield:
                exprs += [f"offsetof({s.qualified}, {f.name})", f"sizeof({s.qualified}::{f.name})"]
    values = ", ".join(exprs) or "0"
    source = (
        '#include <cstddef>\n#include "h.cuh"\n'
        f'extern "C" __device__ const unsigned long long numbast_layout[] = {{ {values} }};\n'
    )
    ptx, log = _nvrtc_ptx(header_dir, source)
    assert ptx is not None, f"the grammar wrote a header NVRTC rejects (a test bug):\n{log}"
    match = re.search(r"numbast_layout\[(\d+)\] = \{([\d, ]*)\}", ptx)
    data = bytes(int(b) for b in match.group(2).split(",")) if match else b""
    data = data.ljust(int(match.group(1)) if match else 0, b"\0")
    numbers = [int.from_bytes(data[i : i + 8], "little") for i in range(0, len(data), 8)]
    return dict(zip(exprs, numbers))


def plan_layouts(plan) -> dict[str, int]:
    """The same expressions as ``compiler_layouts``, as the plan has them."""
    facts = {}
    for s in plan.structs:
        if s.dependency:
            continue
        facts[f"sizeof({s.cxx_name})"] = s.size
        facts[f"alignof({s.cxx_name})"] = s.align
        for f in s.fields:
            if f.name is not None:
                facts[f"offsetof({s.cxx_name}, {f.name})"] = f.offset
                facts[f"sizeof({s.cxx_name}::{f.name})"] = f.size
    return facts


def accounting_problems(header: grammar.Header, plan) -> list[str]:
    """Declarations of ``header`` that the plan neither binds nor skips with a reason."""
    problems = []
    skipped: dict[tuple[str, str], list[str]] = {}
    for s in plan.skipped:
        skipped.setdefault((s.kind, s.cxx_name), []).append(s.reason)
        if not s.reason.strip():
            problems.append(f"{s.kind} {s.cxx_name}: skipped without a reason")
    structs = {s.cxx_name: s for s in plan.structs}
    for spec in header.structs:
        bound = structs.get(spec.qualified)
        if bound is None:
            if ("struct", spec.qualified) not in skipped:
                problems.append(f"struct {spec.qualified}: neither bound nor skipped")
            continue
        readable = {f.name for f in bound.fields if f.name is not None}
        for f in spec.fields:
            if f.name is None or f.name in readable:
                continue
            if ("field", f"{spec.qualified}::{f.name}") not in skipped:
                problems.append(f"field {spec.qualified}::{f.name}: neither readable nor skipped")
    enums = {e.cxx_name: e for e in plan.enums}
    for enum in header.enums:
        bound = enums.get(enum.qualified)
        if bound is None:
            if ("enum", enum.qualified) not in skipped:
                problems.append(f"enum {enum.qualified}: neither bound nor skipped")
            continue
        expected = [(m.rsplit("::", 1)[-1], v) for m, v in enum.members]
        if list(bound.members) != expected:
            problems.append(f"enum {enum.qualified}: members {bound.members} != {expected}")
    typedefs = {t.cxx_name for t in plan.typedefs}
    for name in header.typedefs:
        if name not in typedefs and ("typedef", name) not in skipped:
            problems.append(f"typedef {name}: neither bound nor skipped")
    for name, count in header.functions:
        call = re.compile(rf"(^|[\s:*&]){re.escape(name)}\(")
        signatures = {
            o.cxx_signature for f in plan.functions if f.cxx_name == name for o in f.overloads
        }
        reasons = [
            r
            for (kind, cxx), rs in skipped.items()
            if kind == "function" and (cxx == name or call.search(cxx))
            for r in rs
        ]
        if len(signatures) + len(reasons) != count:
            problems.append(
                f"function {name}: {count} declarations, {len(signatures)} bound "
                f"({sorted(signatures)}), {len(reasons)} skipped ({reasons})"
            )
    return problems


def _record_features(header: grammar.Header) -> None:
    """Hypothesis statistics (``--hypothesis-show-statistics``): what the examples covered."""
    text = header.text
    for feature, present in (
        ("namespace", "namespace " in text),
        ("bitfield", re.search(r": \d+;", text) is not None),
        ("alignas", "alignas(" in text),
        ("array field", re.search(r"\w\[\d\]", text) is not None),
        ("pointer", "* " in text),
        ("reference", "& " in text),
        ("default argument", re.search(r"\w = [^;]*[,)]", text) is not None),
        ("overload", any(count > 1 for _, count in header.functions)),
        ("scoped enum", any(e.scoped for e in header.enums)),
        ("cstdint", "int8_t" in text or "int64_t" in text or "int32_t" in text),
    ):
        if present:
            event(feature)


@SETTINGS
@given(header=grammar.headers())
def test_any_grammar_header_generates_compiles_and_matches_layouts(header):
    pytest.importorskip("cuda.bindings.nvrtc")
    import numbast_core
    from numbast_core import check

    _record_features(header)
    with tempfile.TemporaryDirectory(prefix="numbast-property-") as tmp:
        work = Path(tmp)
        (work / "h.cuh").write_text(header.text)
        (work / "config.yml").write_text(CONFIG)
        compiler = compiler_layouts(header, work)

        config = numbast_core.load_config(work / "config.yml")
        result = numbast_core.generate(config, work / "out", format=False)
        problems = accounting_problems(header, result.plan)
        assert not problems, "\n".join(problems)

        planned = plan_layouts(result.plan)
        wrong = [f"{e}: plan {v}, NVRTC {compiler.get(e)}" for e, v in planned.items()
                 if compiler.get(e) != v]  # fmt: skip
        assert not wrong, "struct layouts differ from NVRTC's:\n" + "\n".join(wrong)

        report = check.check_module(result.path, result.plan)
        failures = [f"{failed.cxx_name}: {failed.error}" for failed in report.failed]
        assert not failures, "bound callables that do not compile+link:\n" + "\n".join(failures)


def test_the_grammar_covers_what_it_promises():
    """Over 300 drawn headers (no generation), each feature of the grammar appears."""
    seen: dict[str, int] = {}
    widths: set[str] = set()

    @settings(max_examples=300, derandomize=True, database=None, deadline=None)
    @given(header=grammar.headers())
    def draw(header):
        text = header.text
        for feature, pattern in {
            "namespace": r"namespace ns\d+ \{",
            "nested namespace": r"namespace ns\d+ \{ namespace",
            "typedef": r"typedef |using t\d+ =",
            "cstdint": r"\buint64_t\b|\bint8_t\b",
            "scoped enum": r"enum class ",
            "plain enum": r"enum E\d+ \{",
            "struct alignas": r"struct alignas\(",
            "field alignas": r"  alignas\(",
            "bitfield": r"\w+ f\d+ : \d+;",
            "zero-width bitfield": r" : 0;",
            "array field": r"f\d+\[\d\]\[",
            "nested struct field": r"\n  (\w+::)*S\d+ f\d+;",
            "pointer param": r"\w\* p\d",
            "const pointer param": r"const [\w:]+\* p\d",
            "reference param": r"\w& p\d",
            "const reference param": r"const [\w:]+& p\d",
            "const field": r"\n  const ",
            "default argument": r"p\d = ",
            "struct result": r"inline (\w+::)*S\d+ fn",
            "host device": r"__host__ __device__",
        }.items():
            if re.search(pattern, text):
                seen[feature] = seen.get(feature, 0) + 1
        widths.update(e.underlying.key if e.underlying else "(none)" for e in header.enums)
        if any(count > 1 for _, count in header.functions):
            seen["overload"] = seen.get("overload", 0) + 1

    draw()
    expected = {
        "namespace", "nested namespace", "typedef", "cstdint", "scoped enum", "plain enum",
        "struct alignas", "field alignas", "bitfield", "zero-width bitfield", "array field",
        "nested struct field", "pointer param", "const pointer param", "reference param",
        "const reference param", "const field", "default argument", "struct result",
        "host device", "overload",
    }  # fmt: skip
    assert expected <= set(seen), sorted(expected - set(seen))
    every_width = {f"{sign}{bits}" for sign in "su" for bits in (8, 16, 32, 64)}
    assert every_width | {"char", "(none)"} <= widths, sorted(widths)


def test_compiler_layouts_reads_nvrtcs_numbers(tmp_path):
    """The layout oracle, on a struct laid out by hand: padding, alignas, a bitfield, an array."""
    pytest.importorskip("cuda.bindings.nvrtc")
    text = "struct S { char a; alignas(16) int b; int c : 3; double d[2]; };\n"
    (tmp_path / "h.cuh").write_text(text)
    fields = tuple(grammar.FieldSpec(n, n == "c") for n in "abcd")
    header = grammar.Header(text, (grammar.StructSpec("S", fields, False, False),), (), (), (), ())
    assert compiler_layouts(header, tmp_path) == {
        "sizeof(S)": 48,
        "alignof(S)": 16,
        "offsetof(S, a)": 0,
        "sizeof(S::a)": 1,
        "offsetof(S, b)": 16,
        "sizeof(S::b)": 4,
        "offsetof(S, d)": 24,
        "sizeof(S::d)": 16,
    }
