# A kernel using the fp8 bindings that `numbast generate conformance/configs/cuda_fp8.yml -o out`
# writes to out/cuda_fp8.py (run it from the directory that contains out/).
from numba import cuda, float32
from out.cuda_fp8 import cvt_float_to_fp8, fp8_e4m3, fp8_interpretation_t, saturation_t


@cuda.jit
def to_fp8(src, dst):
    """Encode float32 values as E4M3 bytes, saturating to the largest finite value."""
    i = cuda.grid(1)
    if i < src.size:
        dst[i] = cvt_float_to_fp8(src[i], saturation_t.SATFINITE, fp8_interpretation_t.E4M3)


@cuda.jit
def round_trip(src, dst):
    """Round float32 values to the nearest E4M3 value with the __nv_fp8_e4m3 struct."""
    i = cuda.grid(1)
    if i < src.size:
        dst[i] = float32(fp8_e4m3(src[i]))  # constructor, then conversion operator
