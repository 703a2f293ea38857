"""Nox sessions for the Numbast monorepo (``nox -l`` lists them).

The CUDA wheels that numba-cuda brings are about 1 GB, so every session that needs them runs in
one shared virtual environment, ``.nox/_shared``, created once and refreshed only when a
``pyproject.toml``, ``constraints.txt`` or this file changes. The three packages are installed
editable (``pip install -e``), so the sessions always run the working tree's code. ``lint``
has its own small venv (ruff, mypy).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = ("packages/ast_canopy", "packages/numbast_core", "packages/numbast_cli")
ARCHS = ("sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "sm_100", "sm_120")
TEST_TOOLS = ("pytest>=8", "pytest-xdist>=3", "hypothesis>=6", "ruff>=0.5")
# The tool versions pre-commit uses too (.pre-commit-config.yaml): keep them in step.
LINT_TOOLS = ("ruff==0.17.6", "mypy==2.4.1", "types-PyYAML", "types-jsonschema", "click>=8.1")
DOCS_TOOLS = ("sphinx>=7", "sphinx-click>=5")

nox.options.sessions = ["tests", "lint"]
# A worker per core, each taking a whole test file at a time: many files set up module-scoped
# fixtures that generate or compile for seconds, which ``--dist load`` repeats on every worker
# it spreads the file's tests over. (``--dist loadgroup`` would pick files, but with pytest 9.2
# it ignores ``xdist_group`` marks: pytest-xdist issue 1386.) Files go out in collection order
# (``testpaths`` lists the folders with the longest files first), not most-tests-first, which
# left the one-test, 20-second no-hijack file for last. One worker per core: with a worker more
# (which paid off while every process importing numba.cuda spent 0.7 s importing ml_dtypes 0.7,
# see constraints.txt) the 2-core box ran the default tier slower in both back-to-back pairs
# (three workers 114.8 s, two 109.6 s; three 130.8 s, two 127.2 s: the box's speed drifts).
XDIST = ("-n", str(os.cpu_count() or 1), "--dist", "loadfile", "--no-loadscope-reorder")
# Bytecode is written even where the environment says not to (this box sets
# PYTHONDONTWRITEBYTECODE): otherwise every worker compiles the sources and pytest rewrites the
# asserts of every test module again on every run (~2.5 s of each worker's collection).
TEST_ENV = {"PYTHONDONTWRITEBYTECODE": ""}


def _fingerprint() -> str:
    """Hash of everything that decides what the shared venv must contain."""
    digest = hashlib.sha256()
    for path in (
        ROOT / "constraints.txt",
        *(ROOT / p / "pyproject.toml" for p in PACKAGES),
        Path(__file__),
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _shared_python(session: nox.Session) -> str:
    """Create (once) the shared venv with the three packages installed editable; return its
    python. Reinstalled when the fingerprint (pyprojects, constraints, this file) changes."""
    venv = ROOT / ".nox" / "_shared"
    python = venv / "bin" / "python"
    stamp = venv / ".numbast-fingerprint"
    wanted = _fingerprint()
    if not python.exists():
        session.run("python3", "-m", "venv", str(venv), external=True)
        session.run(str(python), "-m", "pip", "install", "-q", "-U", "pip", external=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        packages = [arg for p in PACKAGES for arg in ("-e", str(ROOT / p))]
        tools = [*TEST_TOOLS, *DOCS_TOOLS, "ml_dtypes"]
        constraints = ["-c", str(ROOT / "constraints.txt")]
        pip = [str(python), "-m", "pip", "install", "-q"]
        session.run(*pip, *constraints, *packages, *tools, external=True)
        stamp.write_text(wanted)
    return str(python)


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """Run every CPU test suite but the ``slow`` tier in one pytest process (``pytest -n auto``).

    The folders are the root pyproject's ``testpaths``; arguments after ``--`` go to pytest
    (``nox -s tests -- -k intents -x``; ``-- -n 0`` runs serially; ``-- -m ""`` runs all).
    """
    python = _shared_python(session)
    pytest = [python, "-m", "pytest", *XDIST, "-m", "not slow"]
    session.run(*pytest, *session.posargs, external=True, env=TEST_ENV)


@nox.session(python=False)
def tests_slow(session: nox.Session) -> None:
    """The exhaustive tier that ``tests`` leaves out (``@pytest.mark.slow``); CI runs both."""
    python = _shared_python(session)
    pytest = [python, "-m", "pytest", *XDIST, "-m", "slow"]
    session.run(*pytest, *session.posargs, external=True, env=TEST_ENV)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check and mypy (config in the root pyproject.toml)."""
    session.install(*LINT_TOOLS)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python=False)
def docs(session: nox.Session) -> None:
    """Build the Sphinx HTML docs with warnings as errors."""
    python = _shared_python(session)
    sphinx = [python, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    session.run(*sphinx, "docs", "docs/_build/html", external=True)


@nox.session(python=False)
@nox.parametrize("arch", ARCHS)
def conformance(session: nox.Session, arch: str) -> None:
    """Generate bindings for real CUDA headers; compile and link every binding for ARCH on CPU."""
    python = _shared_python(session)
    session.run(python, "-m", "conformance.cpu", "--arch", arch, *session.posargs, external=True)


@nox.session(python=False)
def conformance_gpu(session: nox.Session) -> None:
    """Run bound functions on the GPU and compare them bit for bit with native CUDA C++."""
    python = _shared_python(session)
    pytest = [python, "-m", "pytest", "-m", "gpu"]
    env = {"NUMBAST_REQUIRE_GPU": "1"}
    session.run(*pytest, "conformance/tests", *session.posargs, external=True, env=env)


MLIR_REQUIREMENTS = ("numba-cuda-mlir[cu13]==0.6.0", "numpy<2.5", "nvidia-curand")
# our packages' own dependencies but numba-cuda (numba-cuda-mlir's venv has no numba, no llvmlite)
MLIR_TOOLS = ("libclang-ng>=22.1", "pyyaml>=6", "jsonschema>=4.18", "click>=8.1", "ruff>=0.5")


@nox.session(python=False)
def mlir(session: nox.Session) -> None:
    """The numba-cuda-mlir backend on CPU, in its own venv (.nox/mlir: numba-cuda-mlir 0.6.0
    with its CUDA 13.5 wheels, no numba): every conformance header and the feature headers
    generate, import, and every bound callable compiles and links for sm_90."""
    venv = ROOT / ".nox" / "mlir"
    python = venv / "bin" / "python"
    stamp = venv / ".numbast-fingerprint"
    wanted = _fingerprint()
    if not python.exists():
        session.run("python3", "-m", "venv", str(venv), external=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        pip = [str(python), "-m", "pip", "install", "-q"]
        session.run(*pip, *MLIR_REQUIREMENTS, *MLIR_TOOLS, "pytest>=8", external=True)
        packages = [arg for p in PACKAGES for arg in ("-e", str(ROOT / p))]
        session.run(*pip, "--no-deps", *packages, external=True)  # (numbast-core wants numba-cuda)
        stamp.write_text(wanted)
    tests = [str(python), "-m", "pytest", "packages/numbast_core/tests_mlir"]
    session.run(*tests, *session.posargs, external=True)


@nox.session(python=False)
def bench(session: nox.Session) -> None:
    """Run the benchmarks (CPU parts here; GPU parts where a GPU is present) and print tables."""
    python = _shared_python(session)
    session.run(python, "-m", "bench", *session.posargs, external=True, env=dict(os.environ))
