// A tiny header for the config tests: a struct, an enum, free functions and a method.
#pragma once
#include "include/demo_detail.cuh"

namespace demo {}

enum demo_mode_t { DEMO_FAST, DEMO_EXACT };

struct demo_pair {
  float lo;
  float hi;
  __device__ void demo_split(float *lo_out, float *hi_out) const;
};

__device__ float demo_add(float a, float b);
__device__ void demo_divmod(int a, int b, int *quotient, int *remainder);
__device__ void __internal_demo_helper();
