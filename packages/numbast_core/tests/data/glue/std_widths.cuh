#pragma once
#include <cstdint>
// by value, std::-qualified: the glue must not spell std::int64_t as the parse's `long`
// (NVRTC's std::int64_t is `long long`: `h(long)` is ambiguous between these two)
__device__ inline int h(std::int64_t a) { return 64 + (int)(a & 1); }
__device__ inline int h(std::int32_t a) { return 32 + (a & 1); }
__device__ inline std::uint64_t twice(std::uint64_t a) { return a * 2; }
__device__ inline void store(std::int64_t* p, std::int64_t v) { *p = v; }
