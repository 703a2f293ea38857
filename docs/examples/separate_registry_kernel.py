# A module generated with `Use Separate Registry: true` (docs/examples/separate_registry.yml)
# types its bindings only after install(): `numbast generate docs/examples/separate_registry.yml
# -o out` writes out/mylib_private.py.
import out.mylib_private as mylib
from numba import cuda, float32

mylib.install()  # add the module's typing and lowering registries to numba-cuda's CUDA target


@cuda.jit
def pair_sums(a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        p = mylib.pair(a[i], b[i]) + mylib.pair(float32(1.0), float32(1.0))
        out[i] = mylib.scale(a[i]) + p.a
