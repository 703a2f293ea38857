"""Generated modules in fresh processes: standalone imports, separate registries, determinism,
atomic writes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import _codegen_helpers as helpers
import pytest

TESTS = Path(__file__).resolve().parent


def _run(code: str, env_extra=None, timeout=240) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_extra or {})
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=TESTS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_generated_module_imports_nothing_from_this_project(funcs):
    """numbast_core and ast_canopy are unimportable; the module imports, and a kernel using it
    compiles and links (sm_90, no GPU)."""
    done = _run(
        f"""
        import sys
        sys.modules["numbast_core"] = None  # any import of them raises ImportError
        sys.modules["ast_canopy"] = None
        sys.path.insert(0, {str(TESTS)!r})
        import _codegen_helpers as helpers
        from numba import cuda
        from numba.cuda import types

        module = helpers.import_module({str(funcs.path)!r})
        env = dict(vars(module))
        exec("def f(x):\\n    return add(x, x) + axpb(x) + small_size(small.SMALL_B)", env)
        cres = helpers.compile_and_link(env["f"], [types.int32])
        assert cres.signature.return_type == types.int64, cres.signature
        leaked = sorted(
            n for n, m in sys.modules.items()
            if m is not None and n.split(".")[0] in ("numbast_core", "ast_canopy", "numbast")
        )
        assert not leaked, leaked
        print("gpu available:", cuda.is_available())
        """
    )
    assert "gpu available:" in done.stdout


def test_separate_registry_types_only_after_install(generated, tmp_path):
    result = generated["nbt_separate_bindings"]
    out = result.path.parent
    done = _run(
        f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import _codegen_helpers as helpers
        from numba.cuda import types
        from numba.cuda.core.errors import TypingError
        from numbast_core.check import check_module

        module = helpers.import_module({str(result.path)!r})
        assert {{"typing_registry", "target_registry", "install"}} <= set(module.__all__)
        assert module.typing_registry is module._registries.typing
        env = dict(vars(module))
        exec("def f(x):\\n    return add(x, x)", env)
        try:
            helpers.compile_and_link(env["f"], [types.int32])
        except TypingError:
            print("not typed before install")
        else:
            raise AssertionError("typed before install()")
        module.install()
        cres = helpers.compile_and_link(env["f"], [types.int32])
        assert cres.signature.return_type == types.int32
        plan = helpers.load_plan({str(out)!r}, "nbt_separate_bindings")
        report = check_module({str(result.path)!r}, plan, "sm_90")
        print("failed:", sorted(r.python_name for r in report.failed), report.ok_count)
        """
    )
    assert "not typed before install" in done.stdout
    bound = sum(len(f.overloads) for f in result.plan.functions)
    bound += sum(len(s.ctors) for s in result.plan.structs)  # implicit default ctors
    assert f"failed: ['broken'] {bound - 1}" in done.stdout


def test_output_is_byte_identical_across_hash_seeds(tmp_path):
    procs = []
    for seed in ("1", "2", "3"):
        out = tmp_path / f"seed{seed}" / "out"  # same depth: same relative config path
        env = dict(os.environ, PYTHONHASHSEED=seed)
        code = (
            f"import sys; sys.path.insert(0, {str(TESTS)!r}); import _codegen_helpers as h; "
            f"h.generate_all({str(out)!r}, ['nbt_funcs_bindings'])"
        )
        procs.append(
            (out, subprocess.Popen([sys.executable, "-c", code], env=env, cwd=TESTS, stderr=-1))
        )
    texts = []
    for out, proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()
        texts.append((out / "nbt_funcs_bindings.py").read_bytes())
    assert texts[0] == texts[1] == texts[2]
    assert b"pytest" not in texts[0].split(b'"""')[0].replace(b"pytest-of", b"")  # no tmp names


def test_failed_generation_leaves_previous_output(funcs, tmp_path, monkeypatch):
    import numbast_core
    from numbast_core import write

    out = tmp_path / "out"
    out.mkdir()
    previous = out / funcs.path.name
    previous.write_text("# previous output\n")

    # 1) a config error found against the headers (after parsing)
    config = numbast_core.Config.from_dict(
        {
            "Entry Point": "nbt_funcs.cuh",
            "File List": ["nbt_funcs.cuh"],
            "GPU Arch": ["sm_90"],
            "Predefined Macros": ["NBT_SCALE=3"],
            "Output Name": funcs.path.name,
            "Function Argument Intents": {"nbt_divmod": {"quotient": "out_return"}},
        },
        helpers.DATA,
    )
    with pytest.raises(numbast_core.ConfigError) as info:
        numbast_core.generate(config, out)
    assert (
        "Function Argument Intents.nbt_divmod.quotient: no overload has that parameter"
        in info.value.problems
    )
    assert previous.read_text() == "# previous output\n"

    # 2) the write itself fails at the last step
    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(write.os, "replace", boom)
    good = numbast_core.load_config(helpers.DATA / "nbt_funcs.yml")
    with pytest.raises(OSError, match="disk full"):
        numbast_core.generate(good, out, format=False)
    assert previous.read_text() == "# previous output\n"
    assert sorted(p.name for p in out.iterdir()) == [previous.name]  # no temp file left
