"""Command line: ``python -m ast_canopy HEADER --arch sm_90 [--json | --summary]``."""

from __future__ import annotations

import argparse
import sys

_KINDS = (
    "structs",
    "functions",
    "function_templates",
    "class_templates",
    "class_template_specializations",
    "typedefs",
    "enums",
    "constexpr_vars",
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ast_canopy",
        description="Parse a CUDA C++ header (device side) and print its declarations.",
    )
    p.add_argument("header", help="the header or source file to parse")
    p.add_argument("--arch", required=True, help="GPU arch, e.g. sm_90")
    p.add_argument(
        "--retain",
        action="append",
        metavar="FILE",
        help="keep declarations from FILE (repeatable; default: the header itself)",
    )
    p.add_argument("-I", dest="includes", action="append", metavar="DIR", help="include dir")
    p.add_argument("-D", dest="defines", action="append", metavar="M[=V]", help="macro")
    p.add_argument("--std", default="c++17", help="C++ standard (default c++17, as NVRTC)")
    p.add_argument(
        "--cuda-include",
        action="append",
        metavar="DIR",
        help="CUDA include dir (default: discovered like numba-cuda)",
    )
    p.add_argument("--skip-function-bodies", action="store_true", help="faster, less complete")
    p.add_argument("--bypass-parse-error", action="store_true", help="print what parsed anyway")
    p.add_argument("-v", "--verbose", action="store_true", help="clang arguments to stderr")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the declarations as JSON")
    out.add_argument("--summary", action="store_true", help="print a count table (default)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    import ast_canopy

    try:
        decls = ast_canopy.parse_declarations_from_source(
            args.header,
            args.retain or [args.header],
            args.arch,
            cudatoolkit_include_dirs=args.cuda_include,
            cxx_standard=args.std,
            additional_includes=args.includes,
            defines=args.defines,
            verbose=args.verbose,
            bypass_parse_error=args.bypass_parse_error,
            skip_function_bodies=args.skip_function_bodies,
        )
    except (FileNotFoundError, ValueError, ast_canopy.ParseError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        _print(decls, args.json)
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
    return 0


def _print(decls, as_json: bool) -> None:
    if as_json:
        print(decls.to_json(indent=1))
        return
    width = max(len(k) for k in _KINDS)
    print(f"| {'kind':<{width}} | count |")
    print(f"|{'-' * (width + 2)}|-------|")
    for k in _KINDS:
        print(f"| {k:<{width}} | {len(getattr(decls, k)):>5} |")
    errors = sum(d.severity in ("error", "fatal") for d in decls.diagnostics)
    if errors:
        print(f"{errors} parse error(s) bypassed", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
