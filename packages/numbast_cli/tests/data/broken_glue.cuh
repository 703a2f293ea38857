// Parses fine for clang (ast_canopy), but NVRTC (an EDG front end: __EDG__) sees a
// different signature, so the glue calling tiny_broken(x) does not compile. The other
// functions' glue compiles and links.
#pragma once

__device__ inline float tiny_ok(float a, float b) { return a + b; }
__device__ inline int tiny_ok_too(int a) { return a * 2; }

#ifdef __EDG__
__device__ inline float tiny_broken(float x, float y) { return x + y; }
#else
__device__ inline float tiny_broken(float x) { return x; }
#endif
