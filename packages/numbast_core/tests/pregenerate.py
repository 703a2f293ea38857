"""Generate the code generator tests' modules into a folder, for the GPU machine (no libclang).

python packages/numbast_core/tests/pregenerate.py OUT_DIR
# carry OUT_DIR over, then on the GPU machine:
NUMBAST_PREGENERATED=OUT_DIR python -m pytest -m gpu packages/numbast_core/tests/test_gpu_*.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _codegen_helpers as helpers
import _struct_helpers


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    for name, result in helpers.generate_all(argv[0]).items():
        print(f"{name}: {result.path}")
    # the struct tests' modules (test_gpu_structs.py), in their own subfolder
    for result in _struct_helpers.generate_all(Path(argv[0]) / _struct_helpers.SUBDIR).values():
        print(f"structs: {result.path}")
    import numbast_core

    # the templates' modules (test_gpu_templates*.py): a header of each form, libcu++, curand
    curand = Path(__file__).resolve().parents[3] / "conformance" / "configs" / "curand_kernel.yml"
    configs = (helpers.TEMPLATE_CONFIG, "nbt_cuda_std.yml", "nbt_cub.yml")
    for path in (*(helpers.DATA / c for c in configs), curand):
        result = numbast_core.generate(numbast_core.load_config(path), argv[0])
        print(f"{path.stem}: {result.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
