"""Generate the struct test modules for the GPU machine (which has no libclang).

    python packages/numbast_core/tests/pregenerate_structs.py OUT
    # then on the GPU machine: NUMBAST_PREGENERATED=OUT pytest -m gpu test_gpu_structs.py

Writes OUT/structs/<module>.py (and each plan, pickled).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _struct_helpers


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]) / _struct_helpers.SUBDIR
    for result in _struct_helpers.generate_all(out).values():
        print(result.path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
