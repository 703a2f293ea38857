"""The docs' generated content, example configs and code examples (all on the CPU)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numbast_docs
import pytest
import schema_reference
from numbast_core import ConfigError, GenerationError, generate, load_config

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
EXAMPLES = DOCS / "examples"
CONFIGS = sorted(p for p in EXAMPLES.rglob("*.yml") if "errors" not in p.parts)
ERRORS = sorted((EXAMPLES / "errors").glob("*.yml"))
RUNNER = Path(__file__).with_name("kernel_runner.py")


@pytest.fixture(scope="module")
def reference() -> str:
    return schema_reference.render_schema(schema_reference.load_schema())


def test_every_schema_key_has_a_section(reference):
    schema = schema_reference.load_schema()
    paths = schema_reference.all_key_paths(schema)
    assert len(paths) >= len(schema["properties"]) > 10
    for path in paths:
        assert re.search(rf"^{re.escape(path)}\n[-~^\"]+$", reference, re.M), path
        assert f".. _{schema_reference.slug(path)}:" in reference


def test_reference_states_required_defaults_and_examples(reference):
    schema = schema_reference.load_schema()
    sections = re.split(r"^\.\. _config-", reference, flags=re.M)
    for key, node in schema["properties"].items():
        section = next(s for s in sections if s.startswith(schema_reference.slug(key)[7:] + ":"))
        if key in schema["required"]:
            assert ":Required: yes" in section, key
        else:
            assert ":Required: no" in section and ":Default:" in section, key
        for example in node.get("examples", []):
            assert "code-block:: yaml" in section, key
            if isinstance(example, str):
                assert example in section, (key, example)


def test_reference_shows_constraints(reference):
    assert "``^sm_[0-9]+a?$``" in reference
    assert "one of ``in``, ``inout_ptr``, ``out_ptr``, ``out_return``" in reference
    assert "at least 1 item(s)" in reference and "no item twice" in reference


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_config_loads_and_generates(path, tmp_path):
    config = load_config(path)
    assert config.warnings == ()
    result = generate(config, tmp_path, format=False)
    assert result.plan.public_names
    assert result.plan.warnings == ()


def test_every_example_config_is_shown_in_the_docs():
    text = "\n".join(p.read_text() for p in DOCS.glob("*.rst"))
    for path in CONFIGS + ERRORS:
        rel = path.relative_to(DOCS).as_posix()
        if "supported" in path.parts:
            continue  # shown through its table
        assert rel in text, rel


def test_literalincludes_exist():
    for page in DOCS.glob("*.rst"):
        for target in re.findall(r"literalinclude:: (\S+)", page.read_text()):
            assert (DOCS / target).is_file(), (page.name, target)


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.name)
def test_error_examples_fail_with_a_located_message(path, monkeypatch):
    monkeypatch.chdir(path.parent)  # as the docs show it: run from the config's folder
    stage = "generate" if path.stem in ("unknown_function", "parse_error") else "load"
    with pytest.raises((ConfigError, GenerationError)) as info:
        config = load_config(path)
        assert stage == "generate", "loaded but should not"
        generate(config, path.parent / "_never_written", format=False)
    message = numbast_docs.error_message(path, stage)
    last = str(info.value).splitlines()[-1].replace(str(DOCS) + "/", "")
    assert last.strip() in message
    assert str(DOCS) not in message


def test_quickstart_has_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    quickstart = (DOCS / "quickstart.rst").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme, re.S)
    assert len(commands) == 2
    for command in commands:
        assert command.strip() in quickstart


def test_supported_table_comes_from_the_planner():
    rows = {text: verdict for text, _, verdict in numbast_docs.supported_rows()}
    assert rows["__device__ free function"].startswith("bound (function")
    # NVRTC compiles the glue and rejects host functions: the example guards its host-only
    # function as CUDA's headers do, so the parse (NVRTC's view) does not see it
    host_only = next(text for text in rows if text.startswith("host-only function (guarded"))
    assert rows[host_only] == "not bound: the planner emits nothing for it"
    assert rows["union"] == "skipped: union"
    assert rows["C variadic function"] == "skipped: variadic"
    assert rows["function template (instantiated when a kernel is compiled)"].startswith(
        "bound (function template"
    )
    assert rows["class template (instantiated when a kernel is compiled)"].startswith(
        "bound (class template"
    )
    assert rows["function template with a parameter pack"] == (
        "skipped: template parameter pack `Ts...`"
    )
    assert all(verdict for verdict in rows.values())


def test_intents_table_signatures():
    rows = {row["call"]: row for row in numbast_docs.intent_rows()}
    assert rows["result = twice(x)"]["numba"] == ["(int32,) -> int32"]
    assert rows["accumulate(acc_ptr, x)"]["numba"] == ["(int32*, int32) -> none"]
    assert rows["store(dst_ptr, x)"]["numba"] == ["(int32*, int32) -> none"]
    assert rows["result, rem = div_rem(a, b)"]["numba"] == ["(int32, int32) -> UniTuple(int32 x 2)"]
    assert rows["lo, hi = minmax(x, y)"]["numba"] == ["(float32, float32) -> UniTuple(float32 x 2)"]


KERNELS = {
    "fp8": (
        ROOT / "conformance/configs/cuda_fp8.yml",
        "fp8_kernel.py",
        ["to_fp8=(float32[:], uint8[:])", "round_trip=(float32[:], float32[:])"],
        [],
    ),
    "intents": (
        EXAMPLES / "intents.yml",
        "intents_kernel.py",
        ["use_intents=(CPointer(int32), CPointer(int32), int32[:], float32[:])"],
        [],
    ),
    "separate_registry": (
        EXAMPLES / "separate_registry.yml",
        "separate_registry_kernel.py",
        ["pair_sums=(float32[:], float32[:], float32[:])"],
        ["--before-install", "scale"],
    ),
}


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_kernel_example_compiles_for_sm90(name, tmp_path):
    config, example, kernels, extra = KERNELS[name]
    proc = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            str(config),
            str(EXAMPLES / example),
            str(tmp_path),
            *kernels,
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    for spec in kernels:
        assert f"{spec.split('=')[0]}: compiled and linked for sm_90" in proc.stdout


@pytest.mark.slow
def test_sphinx_build_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx_click")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    page = (tmp_path / "html" / "config_reference.html").read_text()
    assert "Function Argument Intents" in page
