"""No hijack: importing the generated cuda_fp16, cuda_bf16 and cuda_fp8 modules and the struct
test module (its operator[] reads/writes and the struct-write rewrite) (global registry,
or separate registries + install()) changes neither the typing nor the PTX of code that uses only
builtin types (an installed separate-registry cuda_fp16 lowers float16's C++ operators with its
own shims, as numba-cuda's own cuda_fp16 does: same typing, other shim names in the PTX).
The battery itself: _no_hijack_battery.py (one fresh process per run)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import _struct_helpers
import pytest
import yaml

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parents[2] / "conformance" / "configs"
MODULES = ("cuda_fp16", "cuda_bf16", "cuda_fp8")


@pytest.fixture(scope="module")
def real_modules(tmp_path_factory):
    """{"global": [paths], "separate": [paths]}: the real-header and struct modules, both modes."""
    import numbast_core

    out = tmp_path_factory.mktemp("real")
    paths = {"global": [], "separate": []}
    for name in MODULES:
        path = CONFIGS / f"{name}.yml"
        paths["global"].append(numbast_core.generate(numbast_core.load_config(path), out).path)
        mapping = yaml.safe_load(path.read_text())
        mapping["Use Separate Registry"] = True
        mapping["Output Name"] = f"{name}_separate.py"
        config = numbast_core.Config.from_dict(mapping, path.parent)
        paths["separate"].append(numbast_core.generate(config, out).path)
    structs = _struct_helpers.generate_all(out)
    paths["global"].append(structs["nbt_structs_bindings"].path)
    paths["separate"].append(structs["nbt_structs_separate"].path)
    return paths


def _environment_key() -> str:
    """What the "before" run's result depends on: the battery's code, Python, every installed
    distribution's version (numba, numba-cuda, llvmlite, the CUDA wheels...) and the NUMBA_ /
    CUDA_ environment. None of this repository's code runs in it (no generated module)."""
    digest = hashlib.sha256(sys.version.encode())
    for helper in ("_no_hijack_battery.py", "_codegen_helpers.py"):
        digest.update((HERE / helper).read_bytes())
    versions = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    variables = sorted(
        f"{k}={v}" for k, v in os.environ.items() if k.startswith(("NUMBA_", "CUDA_"))
    )
    digest.update("\n".join(versions + variables).encode())
    return digest.hexdigest()[:32]


def _run_before(battery: str, out: Path, cache, dtypes: list[str]) -> None:
    """The battery without generated modules, written to ``out``. It takes about half the
    test's CPU time and depends only on the environment, so its result is kept in pytest's
    cache (``.pytest_cache``; ``--cache-clear`` forgets it) under the environment's key."""
    key = f"{_environment_key()}-{len(dtypes)}-{'_'.join(dtypes)}"
    cached = None if cache is None else cache.mkdir("no_hijack") / f"before-{key}.json"
    if cached is not None and cached.is_file():
        out.write_bytes(cached.read_bytes())
        return
    done = subprocess.run(
        [sys.executable, battery, str(out), "--dtypes", ",".join(dtypes)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    if cached is not None:
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(out.read_bytes())
        os.replace(partial, cached)


def _run_battery(real_modules, tmp_path, request, dtypes: list[str]) -> dict:
    """{"before": ..., "global": ..., "separate": ...}: the battery's results over ``dtypes``."""
    battery = str(HERE / "_no_hijack_battery.py")
    out = {run: str(tmp_path / f"{run}.json") for run in ("before", "global", "separate")}
    # "before" finds which calls type and compile per dtype; the "after" runs compile the same
    # functions (side by side: they are independent fresh processes) and type every call again
    _run_before(battery, Path(out["before"]), getattr(request.config, "cache", None), dtypes)
    plan = ["--dtypes", ",".join(dtypes), "--plan", out["before"]]
    runs = {
        "global": [*plan, *map(str, real_modules["global"])],
        "separate": [*plan, "--separate", *map(str, real_modules["separate"])],
    }
    procs = {
        run: subprocess.Popen(
            [sys.executable, battery, out[run], *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for run, args in runs.items()
    }
    results = {"before": json.loads(Path(out["before"]).read_text())}
    for run, proc in procs.items():
        output, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, output
        results[run] = json.loads(Path(out[run]).read_text())
    return results


def _assert_nothing_hijacked(results: dict) -> None:
    """Typing, compiled plan and PTX are the same after the imports as before them."""
    before = results["before"]
    for run in ("global", "separate"):
        after = results[run]
        typing_changes = [
            (dtype, expr, result, after["typing"][dtype][expr])
            for dtype, exprs in before["typing"].items()
            for expr, result in exprs.items()
            if after["typing"][dtype][expr] != result
        ]
        assert typing_changes == [], run
        assert after["plan"] == before["plan"], run
        changed = [k for k, ptx in before["ptx"].items() if after["ptx"][k] != ptx]
        if run == "separate":
            # float16's C++ operators are lowered by numba-cuda's own cuda_fp16 module through
            # its shims; an installed separate-registry cuda_fp16 module lowers the same C++
            # operators through its own shims (issue 15: "as the shipped modules do"). The
            # typing is unchanged (above); only which shim calls the C++ operator differs.
            own = [k for k in changed if k.endswith("[float16]")]
            assert all("__numbast_cuda_fp16_separate_" in after["ptx"][k] for k in own)
            changed = [k for k in changed if k not in own]
        assert changed == [], run
        assert not any(ptx.startswith("error") for ptx in after["ptx"].values())


# The default tier's dtypes: the one numba-cuda's own cuda_fp16 lowers through shims (and the
# generated cuda_fp16 binds too), and a float and an integer with vector types.
COMMON_DTYPES = ["float16", "float32", "int32"]


def test_no_hijack_battery_common_dtypes(real_modules, tmp_path, request):
    results = _run_battery(real_modules, tmp_path, request, COMMON_DTYPES)
    before = results["before"]
    assert list(before["typing"]) == COMMON_DTYPES
    assert all(len(calls) >= 20 for calls in before["plan"].values())
    # 79 calls per dtype, plus two vector-constructor calls for float32 and int32
    assert sum(len(t) for t in before["typing"].values()) == 3 * 79 + 2 * 2
    assert before["typing"]["float32"]["cuda.float32x2(cuda.float32x2(a, b)).y"] == "float32x2"
    _assert_nothing_hijacked(results)


@pytest.mark.slow  # every builtin numeric dtype; the default tier runs COMMON_DTYPES
def test_no_hijack_battery(real_modules, tmp_path, request):
    from _no_hijack_battery import DTYPES

    results = _run_battery(real_modules, tmp_path, request, DTYPES)
    before = results["before"]
    # the battery is not empty: every dtype compiled calls, and typed all of them
    assert len(before["typing"]) == 14
    assert all(len(calls) >= 20 for calls in before["plan"].values())
    # 79 calls per dtype, plus two vector-constructor calls for the 10 dtypes with vector types
    assert sum(len(t) for t in before["typing"].values()) == 14 * 79 + 10 * 2
    assert before["typing"]["float32"]["cuda.float32x2(cuda.float32x2(a, b)).y"] == "float32x2"
    _assert_nothing_hijacked(results)
