// A tiny header for the CLI tests: three bindable device functions, an enum, a typedef, a struct,
// an internal helper (skipped by Skip Prefix) and two functions whose types have no Numba
// mapping (skipped).
#pragma once

enum tiny_mode_t { TINY_FAST = 0, TINY_EXACT = 1 };
typedef float tiny_real;

struct tiny_pair {
  float lo;
  float hi;
};

__device__ inline float tiny_add(float a, float b) { return a + b; }
__device__ inline int tiny_mul(int a, int b) { return a * b; }
__device__ inline float tiny_fma(float a, float b, float c) { return a * b + c; }
__device__ inline void __internal_tiny_helper() {}
__device__ inline void tiny_apply(void (*fn)(int), int x) { fn(x); }
__device__ inline long double tiny_wide(long double x) { return x; }
