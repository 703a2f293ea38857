"""Benchmark: how long `load_config` takes (YAML + schema + semantic checks), in milliseconds.

Run: python bench/config_load.py [config.yml] [--repeat N]
Prints the first call (in a fresh process that includes importing numbast_core.config) and the
median / min / max of the following calls. The target is a median under 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

DEFAULT = Path(__file__).resolve().parents[1] / "packages/numbast_core/tests/data/full_config.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default=str(DEFAULT))
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from numbast_core.config import load_config

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_config(args.config)
    t_first = time.perf_counter() - t0
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        load_config(args.config)
        times.append(time.perf_counter() - t0)

    numba_loaded = any(m == "numba" or m.startswith("numba.") for m in sys.modules)
    rows = [
        ("config", args.config),
        ("import numbast_core.config", f"{t_import * 1e3:.1f} ms"),
        ("first load_config", f"{t_first * 1e3:.1f} ms"),
        (f"median of {args.repeat}", f"{statistics.median(times) * 1e3:.2f} ms"),
        ("min / max", f"{min(times) * 1e3:.2f} / {max(times) * 1e3:.2f} ms"),
        ("numba imported", str(numba_loaded)),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
