#pragma once
__device__ inline void foo(__float256 b) {}
__device__ inline int ok(int b) { return b; }
