"""The ``numbast`` command: generate, inspect, validate, schema (and the seed's legacy form).

Exit codes: 0 success; 1 generation failed (parse errors, ``--check`` failures, I/O errors);
2 usage or config errors; 130 interrupted. No traceback unless ``--debug``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__
from .console import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Console,
    check_progress,
    reported_errors,
)
from .report import (
    Style,
    check_lines,
    color_allowed,
    rows_json,
    rows_table,
    skipped_detail_lines,
    stage_line,
    summary_lines,
    unchecked_line,
)

# Console and check_progress are re-exported: they lived here before console.py.
__all__ = [
    "Console",
    "check_progress",
    "cli",
    "legacy",
    "legacy_main",
    "main",
    "run_check",
    "run_generate",
]

LEGACY_PROG = "python -m numbast"
_GROUP_FLAGS = frozenset({"--version", "-h", "--help"})


def _load(config_path: str, arch: str | None, backend: str | None = None):
    import dataclasses

    from numbast_core import load_config

    config = load_config(config_path)
    config = dataclasses.replace(config, backend=backend) if backend else config
    return config.with_arch(arch) if arch else config


def run_generate(
    console: Console,
    config_path: str,
    output_dir: str,
    *,
    fmt: bool = True,
    bypass_parse_error: bool = False,
    check: bool = False,
    arch: str | None = None,
    precompile: bool = True,
    backend: str | None = None,
) -> int:
    """The pipeline with per-stage status lines and a summary; returns the exit code."""
    from numbast_core import generate

    config = _load(config_path, arch, backend)
    for warning in config.warnings:
        console.warn(warning)
    for line in config.path_resolution:  # which base each relative path was found in
        console.detail(line)
    console.info(f"numbast: {config_path} -> {output_dir} ({', '.join(config.gpu_arch)})")
    result = generate(
        config,
        output_dir,
        format=fmt,
        bypass_parse_error=bypass_parse_error,
        precompile=precompile,
        on_stage=lambda stage, seconds: console.info(stage_line(stage, seconds, console.style)),
    )
    binding_plan = result.plan
    for warning in binding_plan.warnings:
        if warning not in config.warnings:
            console.warn(warning)
    if fmt and not result.formatted:
        console.detail("ruff format failed or is unavailable: the module was written unformatted")
    for line in skipped_detail_lines(binding_plan.skipped):
        console.detail(line)
    for line in summary_lines(
        binding_plan.rows(), binding_plan.skipped, str(result.path), console.style
    ):
        console.info(line)
    if check:
        return run_check(console, result.path, binding_plan, config.gpu_arch, config.backend)
    return EXIT_OK


def run_check(
    console: Console,
    module_path: Any,
    binding_plan: Any,
    archs: str | tuple[str, ...],
    backend: str = "numba-cuda",
) -> int:
    """Compile and link every bound callable on the CPU for each arch; exit 1 listing any
    failure."""
    if backend == "numba-cuda-mlir":
        from numbast_core.check_mlir import check_module
    else:
        from numbast_core.check import check_module

    code = EXIT_OK
    for arch in (archs,) if isinstance(archs, str) else archs:
        with check_progress(console) as progress:
            report = check_module(module_path, binding_plan, arch, progress=progress)
        lines = check_lines(report, console.style, verbose=console.verbose)
        if report.failed:
            console.error(
                f"{len(report.failed)} bound callable(s) failed to compile or link for {arch}"
            )
            for line in lines:
                click.echo(line, err=True, color=console.style.color)
            code = EXIT_FAILED
            continue
        for line in lines:
            console.info(f"{line} ({arch})" if line is lines[0] else line)
    unchecked = unchecked_line(binding_plan) if backend == "numba-cuda" else None
    if unchecked:
        console.info(unchecked)
    return code


# ---------------------------------------------------------------------------------------------
# options shared by commands


def _output_options(fn: Callable) -> Callable:
    fn = click.option("--debug", is_flag=True, help="Show tracebacks of errors.")(fn)
    fn = click.option(
        "-v", "--verbose", is_flag=True, help="Also list every skipped declaration and why."
    )(fn)
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(fn)


_arch_option = click.option(
    "--arch", metavar="SM", help="Override the config's GPU Arch (e.g. sm_80)."
)
_debug_option = click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
_backend_option = click.option(
    "--backend",
    type=click.Choice(["numba-cuda", "numba-cuda-mlir"]),
    help="The Numba the module is for (overrides the config's Backend; default numba-cuda).",
)
_config_argument = click.argument("config", type=click.Path(dir_okay=False))


def _version_text() -> str:
    import ast_canopy
    import numbast_core

    return "\n".join(
        [
            f"numbast-cli {__version__}",
            f"numbast-core {numbast_core.__version__}",
            f"ast-canopy {ast_canopy.__version__}",
            f"libclang: {ast_canopy.clang_version()}",
        ]
    )


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_text())
        ctx.exit(EXIT_OK)


# ---------------------------------------------------------------------------------------------
# commands


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=f"The seed's form also works: {LEGACY_PROG} --cfg-path CONFIG --output-dir DIR",
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the versions of numbast-cli, numbast-core, ast-canopy and libclang.",
)
def cli() -> None:
    """Generate Numba-CUDA bindings for CUDA C++ headers from a YAML config.

    Exit codes: 0 success, 1 generation failed, 2 usage or config error, 130 interrupted.
    """


@cli.command()
@_config_argument
@click.option(
    "-o",
    "--output-dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where to write the module (created if missing).",
)
@click.option("--format/--no-format", "fmt", default=True, help="Run ruff format on the module.")
@click.option(
    "--bypass-parse-error", is_flag=True, help="Bind what parses even if the headers have errors."
)
@click.option(
    "--check",
    is_flag=True,
    help="Compile and link every bound callable for each GPU Arch on the CPU; exit 1 on failures.",
)
@click.option(
    "--precompile/--no-precompile",
    default=True,
    show_default=True,
    help="Precompile the C++ glue to LTO-IR for each GPU Arch (<module>.<arch>.ltoir files).",
)
@_arch_option
@_backend_option
@_output_options
def generate(
    config: str,
    output_dir: str,
    fmt: bool,
    bypass_parse_error: bool,
    check: bool,
    precompile: bool,
    arch: str | None,
    backend: str | None,
    quiet: bool,
    verbose: bool,
    debug: bool,
) -> None:
    """Write the binding module for CONFIG into the output directory."""
    console = Console.for_stderr(quiet, verbose)
    with reported_errors(console, debug):
        code = run_generate(
            console,
            config,
            output_dir,
            fmt=fmt,
            bypass_parse_error=bypass_parse_error,
            check=check,
            arch=arch,
            precompile=precompile,
            backend=backend,
        )
    sys.exit(code)


@cli.command()
@_config_argument
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option("--only", type=click.Choice(["skipped", "bound"]), help="Only rows with this status.")
@click.option("--bypass-parse-error", is_flag=True, help="Plan what parses despite errors.")
@_arch_option
@_backend_option
@_debug_option
def inspect(
    config: str,
    as_json: bool,
    only: str | None,
    bypass_parse_error: bool,
    arch: str | None,
    backend: str | None,
    debug: bool,
) -> None:
    """Print the binding plan of CONFIG (kind, C++ name, Python name, status, reason).

    Writes nothing.
    """
    from numbast_core import ConfigError, parse, plan

    console = Console.for_stderr()
    with reported_errors(console, debug):
        cfg = _load(config, arch, backend)
        binding_plan = plan.build(cfg, parse(cfg, bypass_parse_error=bypass_parse_error))
        if binding_plan.errors:
            raise ConfigError(binding_plan.errors, cfg.config_path)
        for warning in binding_plan.warnings:
            console.warn(warning)
        if cfg.backend == "numba-cuda-mlir":
            from numbast_core.render.mlir_module import LIMITATIONS, adapt

            binding_plan = adapt(binding_plan)
            for note in LIMITATIONS:
                console.warn(f"numba-cuda-mlir backend: {note}")
        rows = [r for r in binding_plan.rows() if only is None or r.status == only]
        click.echo(
            rows_json(rows) if as_json else rows_table(rows, Style(color_allowed(sys.stdout)))
        )


@cli.command()
@_config_argument
@_arch_option
@_debug_option
def validate(config: str, arch: str | None, debug: bool) -> None:
    """Check CONFIG against the schema and its headers' paths; parse nothing."""
    console = Console.for_stderr()
    with reported_errors(console, debug):
        cfg = _load(config, arch)
        for warning in cfg.warnings:
            console.warn(warning)
        headers = len(cfg.file_list)
        archs = ", ".join(cfg.gpu_arch)
        click.echo(f"{config}: ok ({headers} header{'s' * (headers != 1)}, GPU arch {archs})")


@cli.command()
@click.option("--path", "path_only", is_flag=True, help="Print the schema file's path instead.")
def schema(path_only: bool) -> None:
    """Print the config schema (YAML, JSON Schema vocabulary)."""
    from numbast_core._schema import schema_path

    path = schema_path()
    click.echo(str(path) if path_only else path.read_text(encoding="utf-8").rstrip("\n"))


@click.command(
    name=LEGACY_PROG,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option("--cfg-path", required=True, type=click.Path(dir_okay=False), help="The config.")
@click.option(
    "--output-dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where to write the module (created if missing).",
)
@click.option("-fmt", "--run-ruff-format", "fmt", type=click.BOOL, default=True, show_default=True)
@click.option(
    "-noraise",
    "--bypass-parse-error",
    "bypass_parse_error",
    type=click.BOOL,
    default=False,
    show_default=True,
)
@_output_options
def legacy(
    cfg_path: str,
    output_dir: str,
    fmt: bool,
    bypass_parse_error: bool,
    quiet: bool,
    verbose: bool,
    debug: bool,
) -> None:
    """The seed's form of `numbast generate`; same behaviour."""
    console = Console.for_stderr(quiet, verbose)
    with reported_errors(console, debug):
        code = run_generate(
            console, cfg_path, output_dir, fmt=fmt, bypass_parse_error=bypass_parse_error
        )
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    """The ``numbast`` console script."""
    try:
        cli.main(args=argv, prog_name="numbast")
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


def legacy_main(argv: list[str] | None = None) -> None:
    """``python -m numbast``: the seed's ``--cfg-path`` form, or any ``numbast`` subcommand."""
    args = sys.argv[1:] if argv is None else list(argv)
    command = cli if not args or args[0] in cli.commands or args[0] in _GROUP_FLAGS else legacy
    try:
        command.main(args=args, prog_name=LEGACY_PROG)
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
