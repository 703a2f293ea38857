"""The pipeline: config -> parse -> plan -> render -> write."""

from __future__ import annotations

import dataclasses
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

from . import (
    __version__,
    glue_build,
    multiarch,
    plan,
    portable,
    render,
    stdcompat,
    template_probe,
    write,
)
from .config import Config
from .errors import ConfigError, GenerationError
from .plan import instances
from .render import mlir_module
from .root_cwd import ProcessEnded

StageCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class GenerationResult:
    path: Path
    plan: plan.BindingPlan
    timings: tuple[tuple[str, float], ...]  # (stage, seconds) in pipeline order
    formatted: bool


def parse(
    config: Config, *, bypass_parse_error: bool = False, arch: str | None = None
) -> Declarations:
    """Parse the config's entry point for ``arch`` (default: its first GPU Arch); errors
    become numbast_core errors."""
    arch = arch or config.gpu_arch[0]
    index = config.gpu_arch.index(arch) if arch in config.gpu_arch else 0
    defines = [
        name if value is None else f"{name}={value}" for name, value in config.predefined_macros
    ]
    try:
        return ast_canopy.parse_declarations_from_source(
            config.entry_point,
            list(config.file_list),
            arch,
            additional_includes=list(config.clang_include_paths),
            defines=defines,
            bypass_parse_error=bypass_parse_error,
            # clang reads the C++ standard headers NVRTC will get (libcu++ forwarders)
            extra_headers=stdcompat.std_headers(),
        )
    except ValueError as err:
        raise ConfigError([f"GPU Arch[{index}]: {err}"], config.config_path) from None
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
    """``<name>`` as the header is included from the deepest CUDA dir holding it (the cccl dir
    sits inside the wheels' include dir, beside it in a toolkit), else relative to the output."""
    real = os.path.realpath(path)
    holding = [d for d in cuda_dirs if real.startswith(d.rstrip("/") + "/")]
    if holding:
        return "<" + os.path.relpath(real, max(holding, key=len)) + ">"
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
        ("GPU arch", ", ".join(config.gpu_arch)),
    ]
    if config.config_path:
        digest = hashlib.sha256(Path(config.config_path).read_bytes()).hexdigest()
        rel = os.path.relpath(config.config_path, output_dir.resolve())
        items += [("config", rel), ("config sha256", digest)]
    items.append(("entry point", _display_path(config.entry_point, cuda_dirs, output_dir)))
    items += [("header", _display_path(f, cuda_dirs, output_dir)) for f in config.file_list]
    return tuple(items)


def _plan(config: Config, parses: dict[str, Declarations], out: Path):
    """The plan of every arch's declarations (include paths as the module records them) and
    {shim: archs} for the shims some arch lacks."""
    cuda_dirs = find_cuda_paths().include_dirs
    where = portable.layout(config, out, cuda_dirs)
    decls = multiarch.merge(parses.values()) if len(parses) > 1 else next(iter(parses.values()))
    binding_plan = plan.build(config, decls, metadata(config, out))
    if binding_plan.errors:
        raise ConfigError(binding_plan.errors, config.config_path)
    binding_plan = dataclasses.replace(
        binding_plan,
        entry_point_include=where.entry_point_include,
        include_dirs=where.include_dirs,
    )
    if config.template_instances:
        binding_plan = _template_instances(config, binding_plan, where)
    only: dict[str, tuple[str, ...]] = {}
    if len(parses) > 1:
        shims = {
            arch: {c.overload.shim for c in plan.build(config, d).callables()}
            for arch, d in parses.items()
        }
        only = multiarch.only_on(shims)
    return binding_plan, where, only


def _template_instances(config: Config, binding_plan: plan.BindingPlan, where):
    """The config's Template Instances added as functions (their result types from NVRTC)."""
    table = instances.candidate_types(binding_plan)
    resolved, errors = instances.resolve(config, binding_plan, table)
    if errors:
        raise ConfigError(errors, config.config_path)
    dirs = (*find_cuda_paths().nvrtc_include_dirs, *where.absolute_dirs)
    try:
        ids = template_probe.result_ids(
            render.prelude(binding_plan), resolved, table, config.gpu_arch[0], dirs,
            stdcompat.nvrtc_headers(),
        )  # fmt: skip
    except glue_build.NvrtcUnavailable as error:
        note = f"Template Instances: not bound ahead (NVRTC unavailable: {error})"
        return dataclasses.replace(binding_plan, warnings=(*binding_plan.warnings, note))
    binding_plan, errors = instances.add_instances(binding_plan, resolved, table, ids)
    if errors:
        raise ConfigError(errors, config.config_path)
    return binding_plan


def _glue(config: Config, binding_plan: plan.BindingPlan, where, only, out: Path, precompile: bool):
    """Precompile the glue per arch: ({sidecar path: bytes}, ModuleGlue, warnings)."""
    callbacks = binding_plan.setup_callback or binding_plan.teardown_callback
    shims = tuple((o.shim, render.glue(o)) for o in render.all_overloads(binding_plan))
    source = glue_build.GlueSource(
        render.prelude(binding_plan),
        shims,
        "",
        where.absolute_dirs,
        tuple(stdcompat.nvrtc_headers().items()),
        tuple(only.items()),
        0 if callbacks else glue_build.chunk_size_for(len(shims)),  # (callbacks: run once)
    )
    source = dataclasses.replace(
        source, suffix=glue_build.suffix_of(source, binding_plan.output_name)
    )
    info = glue_build.ModuleGlue(
        config.gpu_arch, where.include_dirs, source.suffix, source.chunk_size, source.only,
        sources=where.sources,
    )  # fmt: skip
    if not precompile:
        probed = glue_build.chunked(source, config.gpu_arch, find_cuda_paths().nvrtc_include_dirs)
        changed = probed.prelude if probed.prelude != source.prelude else None
        return {}, dataclasses.replace(info, chunk_size=probed.chunk_size, prelude=changed), ()
    try:
        nvrtc = glue_build.nvrtc_version()
        built, compiled = glue_build.precompile(
            source, config.gpu_arch, find_cuda_paths().nvrtc_include_dirs
        )
    except glue_build.NvrtcUnavailable as error:
        note = f"glue not precompiled (NVRTC unavailable: {error}): kernels compile it at run time"
        return {}, info, (note,)
    except ProcessEnded as error:  # (out of memory, or NVRTC crashed)
        raise GenerationError(f"{error}; --no-precompile leaves the compile to run time") from None
    stem = Path(binding_plan.output_name).stem
    files = {out / f"{stem}.{arch}.ltoir": g.data for arch, g in built.items()}
    records = tuple(
        (arch, f"{stem}.{arch}.ltoir", g.sha256, g.sizes, g.dropped) for arch, g in built.items()
    )
    changed = compiled.prelude if compiled.prelude != source.prelude else None
    info = dataclasses.replace(
        info, chunk_size=compiled.chunk_size, precompiled=records, nvrtc=nvrtc, prelude=changed
    )
    return files, info, _not_compiled(binding_plan, built)


def _not_compiled(
    binding_plan: plan.BindingPlan, built: dict[str, glue_build.ArchGlue]
) -> tuple[str, ...]:
    """A warning per bound callable whose glue NVRTC rejected at generation, per arch: it stays
    bound (a kernel calling it gets NVRTC's whole log), but the user learns of it now."""
    signature = {o.shim: o.cxx_signature for o in render.all_overloads(binding_plan)}
    return tuple(
        f"`{signature.get(shim, shim)}` is bound but its glue does not compile for {arch}"
        f" (NVRTC: {error}); a kernel that calls it fails with NVRTC's log"
        for arch, glue in built.items()
        for shim, error in glue.why
    )


def generate(
    config: Config,
    output_dir: str | os.PathLike = ".",
    *,
    format: bool = True,
    bypass_parse_error: bool = False,
    on_stage: StageCallback | None = None,
    precompile: bool = True,
) -> GenerationResult:
    """Generate the config's binding module into ``output_dir`` (created if missing), with its
    glue precompiled to LTO-IR for each GPU Arch (``<module>.<arch>.ltoir`` next to it)."""
    out = Path(output_dir)
    timings: list[tuple[str, float]] = []

    def stage(name: str, started: float) -> None:
        timings.append((name, time.perf_counter() - started))
        if on_stage is not None:
            on_stage(name, timings[-1][1])

    started = time.perf_counter()
    parses = {
        arch: parse(config, bypass_parse_error=bypass_parse_error, arch=arch)
        for arch in config.gpu_arch
    }
    stage("parse", started)

    started = time.perf_counter()
    binding_plan, where, only = _plan(config, parses, out)
    if config.backend == "numba-cuda-mlir":
        binding_plan = mlir_module.adapt(binding_plan)
    stage("plan", started)

    started = time.perf_counter()
    sidecars, info, notes = _glue(config, binding_plan, where, only, out, precompile)
    if notes:
        binding_plan = dataclasses.replace(binding_plan, warnings=binding_plan.warnings + notes)
    stage("glue", started)

    started = time.perf_counter()
    renderer = mlir_module.python if config.backend == "numba-cuda-mlir" else render.python
    text = renderer(binding_plan, info)
    formatted = False
    if format:
        text, formatted = write.ruff_format(text)
    stage("render", started)

    started = time.perf_counter()
    for sidecar, data in sidecars.items():  # before the module that names them
        write.atomic_bytes(sidecar, data)
    path = write.atomic(out / binding_plan.output_name, text)
    stage("write", started)
    return GenerationResult(path, binding_plan, tuple(timings), formatted)
