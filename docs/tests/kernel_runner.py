"""Run one of the docs' kernel examples in a fresh process and compile its kernels for sm_90.

Usage: ``python kernel_runner.py CONFIG EXAMPLE WORKDIR KERNEL=ARGTYPES...``. The config's module
is generated into WORKDIR/out (the examples import ``out.<module>``), the example is executed with
WORKDIR on ``sys.path``, and each named kernel is compiled to PTX with ``cuda.compile_ptx(...,
cc=(9, 0))`` and then compiled with LTO and linked to a cubin for sm_90 with nvJitLink (the
bindings' C++ glue included), all on the CPU. ARGTYPES is a Python expression over
``numba.cuda.types`` (names available unqualified), e.g. ``(float32[:], uint8[:])``; ``-`` uses
the signature the kernel was declared with. With ``--before-install NAME`` the script first checks
that NAME from the generated module does *not* type before the example runs (separate registry).
"""

from __future__ import annotations

import argparse
import runpy
import sys
import warnings
from pathlib import Path


def compile_sm90(pyfunc, argtypes) -> None:
    from numba import cuda
    from numba.cuda import types
    from numba.cuda.compiler import compile_cuda, kernel_fixup

    ptx, _ = cuda.compile_ptx(pyfunc, argtypes, cc=(9, 0))
    assert ".entry" in ptx
    cres = compile_cuda(pyfunc, types.void, argtypes, cc=(9, 0), lto=True)
    library = cres.library
    kernel_fixup(library.get_function(cres.fndesc.llvm_func_name), False)
    library._entry_name = cres.fndesc.llvm_func_name
    assert library.get_cubin(cc=(9, 0))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("example")
    parser.add_argument("workdir")
    parser.add_argument("kernels", nargs="+")
    parser.add_argument("--before-install")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    from numba.cuda import types
    from numbast_core import generate, load_config

    workdir = Path(args.workdir)
    result = generate(load_config(args.config), workdir / "out")
    sys.path.insert(0, str(workdir))
    namespace = vars(types)

    if args.before_install:
        import importlib

        from numba.cuda.core.errors import TypingError

        module = importlib.import_module(f"out.{result.path.stem}")
        fn = getattr(module, args.before_install)

        def uses(x):
            return fn(x)

        try:
            compile_sm90(uses, (types.float32,))
        except TypingError:
            print(f"{args.before_install}: not typed before install()")
        else:
            print(f"{args.before_install}: typed before install()", file=sys.stderr)
            return 1

    example = runpy.run_path(args.example)
    for spec in args.kernels:
        name, _, expr = spec.partition("=")
        dispatcher = example[name]
        if expr == "-":
            argtypes = tuple(dispatcher.signatures[0]) if dispatcher.signatures else None
            if argtypes is None:
                sig = next(iter(dispatcher.overloads))
                argtypes = tuple(sig)
        else:
            argtypes = eval(expr, dict(namespace))
        compile_sm90(dispatcher.py_func, tuple(argtypes))
        print(f"{name}: compiled and linked for sm_90")
    return 0


if __name__ == "__main__":
    sys.exit(main())
