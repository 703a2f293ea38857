"""The pipeline: config -> parse -> plan -> render -> write."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ast_canopy
from ast_canopy.cuda_paths import find_cuda_paths
from ast_canopy.model import Declarations

from . import __version__, plan, render, stdcompat, write
from .config import Config
from .errors import ConfigError, GenerationError

StageCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class GenerationResult:
    path: Path
    plan: plan.BindingPlan
    timings: tuple[tuple[str, float], ...]  # (stage, seconds) in pipeline order
    formatted: bool


def parse(config: Config, *, bypass_parse_error: bool = False) -> Declarations:
    """Parse the config's entry point for its GPU arch; errors become numbast_core errors."""
    defines = [
        name if value is None else f"{name}={value}" for name, value in config.predefined_macros
    ]
    try:
        return ast_canopy.parse_declarations_from_source(
            config.entry_point,
            list(config.file_list),
            config.gpu_arch[0],
            additional_includes=list(config.clang_include_paths),
            defines=defines,
            bypass_parse_error=bypass_parse_error,
            # clang reads the C++ standard headers NVRTC will get (libcu++ forwarders)
            extra_headers=stdcompat.std_headers(),
        )
    except ValueError as err:
        raise ConfigError([f"GPU Arch[0]: {err}"], config.config_path) from None
    except FileNotFoundError as err:
        raise GenerationError(str(err)) from None
    except ast_canopy.ParseError as err:
        raise GenerationError(str(err)) from None


def _cuda_version(include_dirs: tuple[str, ...]) -> str:
    for d in include_dirs:
        try:
            text = Path(d, "cuda.h").read_text(errors="replace")
        except OSError:
            continue
        match = re.search(r"#define\s+CUDA_VERSION\s+(\d+)", text)
        if match:
            number = int(match.group(1))
            return f"{number // 1000}.{number % 1000 // 10}"
    return "unknown"


def _display_path(path: str, cuda_dirs: tuple[str, ...], output_dir: Path) -> str:
    real = os.path.realpath(path)
    for d in cuda_dirs:
        if real.startswith(d.rstrip("/") + "/"):
            return "<" + os.path.relpath(real, d) + ">"
    return os.path.relpath(real, output_dir.resolve())


def _one_line(text: str) -> str:
    """``text`` as one comment line: control characters and line breaks become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def metadata(config: Config, output_dir: Path) -> tuple[tuple[str, str], ...]:
    """The repro comment block: the config's Name and Version, versions, arch, config and
    headers. No timestamps."""
    cuda_dirs = find_cuda_paths().include_dirs
    named = (("Name", config.name), ("Version", config.version))
    items = [(key, _one_line(value)) for key, value in named if value]
    items += [
        ("numbast-core", __version__),
        ("ast-canopy", ast_canopy.__version__),
        ("clang", ast_canopy.clang_version()),
        ("CUDA headers", _cuda_version(cuda_dirs)),
        ("GPU arch", config.gpu_arch[0]),
    ]
    if config.config_path:
        digest = hashlib.sha256(Path(config.config_path).read_bytes()).hexdigest()
        rel = os.path.relpath(config.config_path, output_dir.resolve())
        items += [("config", rel), ("config sha256", digest)]
    items.append(("entry point", _display_path(config.entry_point, cuda_dirs, output_dir)))
    items += [("header", _display_path(f, cuda_dirs, output_dir)) for f in config.file_list]
    return tuple(items)


def generate(
    config: Config,
    output_dir: str | os.PathLike = ".",
    *,
    format: bool = True,
    bypass_parse_error: bool = False,
    on_stage: StageCallback | None = None,
) -> GenerationResult:
    """Generate the config's binding module into ``output_dir`` (created if missing)."""
    out = Path(output_dir)
    timings: list[tuple[str, float]] = []

    def stage(name: str, started: float) -> None:
        timings.append((name, time.perf_counter() - started))
        if on_stage is not None:
            on_stage(name, timings[-1][1])

    started = time.perf_counter()
    decls = parse(config, bypass_parse_error=bypass_parse_error)
    stage("parse", started)

    started = time.perf_counter()
    binding_plan = plan.build(config, decls, metadata(config, out))
    if binding_plan.errors:
        raise ConfigError(binding_plan.errors, config.config_path)
    stage("plan", started)

    started = time.perf_counter()
    text = render.python(binding_plan)
    formatted = False
    if format:
        text, formatted = write.ruff_format(text)
    stage("render", started)

    started = time.perf_counter()
    path = write.atomic(out / binding_plan.output_name, text)
    stage("write", started)
    return GenerationResult(path, binding_plan, tuple(timings), formatted)
