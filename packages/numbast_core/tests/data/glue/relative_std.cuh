#pragma once
#include <cuda/std/cstdint>
#include <cuda/std/cstddef>
// written inside namespace cuda, as libcu++'s own headers are (<cuda/annotated_ptr>): `std::`
// here is cuda::std, which NVRTC does not put in ::std (the glue is at global scope)
namespace cuda {
namespace nbw {
__device__ inline std::uint64_t widen(std::uint32_t a) { return std::uint64_t(a) << 8; }
__device__ inline std::size_t half(std::size_t n) { return n / 2; }
}  // namespace nbw
}  // namespace cuda
