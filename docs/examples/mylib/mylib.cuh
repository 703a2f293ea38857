// A tiny CUDA C++ library used by the documentation's examples (docs/examples/*.yml).
#pragma once

#ifndef MYLIB_SCALE
#define MYLIB_SCALE 1
#endif

enum mylib_mode { MYLIB_MODE_FAST = 0, MYLIB_MODE_EXACT = 1 };

struct mylib_pair {
  float a;
  float b;
  __device__ mylib_pair() : a(0.0f), b(0.0f) {}
  __device__ mylib_pair(float x, float y) : a(x), b(y) {}
  __device__ float sum() const { return a + b; }
};

__device__ inline mylib_pair operator+(mylib_pair x, mylib_pair y) {
  return mylib_pair(x.a + y.a, x.b + y.b);
}

__device__ inline float mylib_scale(float x) { return x * MYLIB_SCALE; }
__device__ inline float mylib_apply(float x, mylib_mode m) {
  return m == MYLIB_MODE_FAST ? x : 2.0f * x;
}
__device__ inline float mylib_internal_round(float x) { return x; }
__device__ inline int mylib_grid_total(int x) { return x; }

// ---- argument intents (docs/examples/intents.yml) ----
__device__ inline int mylib_twice(const int &x) { return 2 * x; }
__device__ inline void mylib_accumulate(int &acc, int x) { acc += x; }
__device__ inline void mylib_store(int &dst, int x) { dst = 7 * x; }
__device__ inline int mylib_div_rem(int a, int b, int &rem) {
  rem = a % b;
  return a / b;
}
__device__ inline void mylib_minmax(float x, float y, float &lo, float &hi) {
  lo = x < y ? x : y;
  hi = x < y ? y : x;
}
