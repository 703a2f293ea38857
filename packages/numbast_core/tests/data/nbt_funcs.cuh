// Test header for the code generator tests (tests/test_generate*.py, test_gpu_functions.py).
// Every function is defined inline so the generated glue links on its own.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>

#ifndef NBT_SCALE
#error "NBT_SCALE must be predefined (config Predefined Macros)"
#endif

// ---- overloads, defaults, unnamed parameters ----
__device__ inline int nbt_add(int a, int b) { return a + b; }
__device__ inline float nbt_add(float a, float b) { return a + b + 0.5f; }
__device__ inline double nbt_add(double a, double b) { return a + b + 0.25; }
__device__ inline int nbt_axpb(int x, int a = 2, int b = 7) { return a * x + b; }
__device__ inline int nbt_pick(int a, int, int c) { return a * 100 + c; }
__device__ inline int nbt_scale(int x) { return x * NBT_SCALE; }

// ---- namespaces (same name twice -> one is renamed) ----
namespace nbt_one {
__device__ inline int nbt_which(int x) { return x + 1; }
}
namespace nbt_two {
__device__ inline int nbt_which(int x) { return x + 2; }
namespace deep {
__device__ inline int nbt_deep(int x) { return x * 10; }
}
}

// ---- enums: real widths, negative values, enum class ----
enum nbt_small : unsigned char { NBT_SMALL_A = 1, NBT_SMALL_B = 200 };
enum nbt_signed : short { NBT_NEG = -300, NBT_POS = 300 };
enum class nbt_color : int { red = 0, green = 5, blue = -7 };
__device__ inline int nbt_small_size(nbt_small e) { return (int)sizeof(e); }
__device__ inline int nbt_small_value(nbt_small e) { return (int)e; }
__device__ inline int nbt_signed_size(nbt_signed e) { return (int)sizeof(e); }
__device__ inline int nbt_signed_value(nbt_signed e) { return (int)e; }
__device__ inline int nbt_color_value(nbt_color c) { return (int)c * 3; }
__device__ inline nbt_signed nbt_signed_flip(nbt_signed e) { return e == NBT_NEG ? NBT_POS : NBT_NEG; }

// ---- typedefs (Struct prefix removal applies) ----
typedef int nbt_count_t;
typedef nbt_count_t nbt_count2_t;
typedef nbt_small nbt_small_alias_t;
typedef float2 nbt_vec_t;
__device__ inline nbt_count_t nbt_twice(nbt_count2_t x) { return 2 * x; }

// ---- intents ----
__device__ inline int nbt_divmod(int a, int b, int &rem) { rem = a % b; return a / b; }
__device__ inline void nbt_split(float x, float &lo, float &hi) { lo = x - 1.0f; hi = x + 1.0f; }
__device__ inline void nbt_inc(int x, int &y) { y = x + 1; }
__device__ inline void nbt_accumulate(int &acc, int x) { acc += x; }
__device__ inline void nbt_store(int &dst, int x) { dst = x * 7; }
__device__ inline int nbt_ref_in(const int &x) { return x * 3; }
__device__ inline int nbt_name_wins(int &a, int b) { a = b + 40; return b - 1; }

// ---- pointers and const T* returns ----
__device__ inline int nbt_sum_ptr(const int *p, int n) {
  int s = 0;
  for (int i = 0; i < n; ++i) s += p[i];
  return s;
}
__device__ inline void nbt_fill(float *p, int n, float v) {
  for (int i = 0; i < n; ++i) p[i] = v + i;
}
__device__ inline const float *nbt_offset(const float *p, int k) { return p + k; }
__device__ inline const char *nbt_name() { return "numbast"; }

// ---- vector types ----
__device__ inline float2 nbt_make_f2(float x, float y) { return make_float2(x, y * 2.0f); }
__device__ inline float nbt_f2_dot(float2 a, float2 b) { return a.x * b.x + a.y * b.y; }
__device__ inline int4 nbt_i4_rev(int4 v) { return make_int4(v.w, v.z, v.y, v.x); }
__device__ inline int nbt_i4_sum(int4 v) { return v.x + v.y + v.z + v.w; }
__device__ inline double2 nbt_d2_swap(double2 v) { return make_double2(v.y, v.x); }

// ---- fp16 / bf16 ----
__device__ inline __half nbt_half_twice(__half x) { return __hadd(x, x); }
__device__ inline float nbt_half_to_float(__half x) { return __half2float(x) + 0.125f; }
__device__ inline __nv_bfloat16 nbt_bf16_twice(__nv_bfloat16 x) { return __hadd(x, x); }
__device__ inline float nbt_bf16_to_float(__nv_bfloat16 x) { return __bfloat162float(x) + 0.5f; }

// ---- arch-guarded: present only when parsing for sm_90 and newer ----
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
__device__ inline int nbt_hopper_only(int x) { return x + 900; }
#endif

// ---- glue that cannot compile: NVRTC (only) sees a second overload, so the shim's call
// `nbt_broken(*a0)` is ambiguous; every other binding must keep working. (The parse defines
// NVRTC's macros, __CUDACC_RTC__ included, but clang is not EDG.) ----
__device__ inline int nbt_broken(int x) { return x + 5; }
#ifdef __EDG__
__device__ inline int nbt_broken(const int &x) { return x + 6; }
#endif

// ---- cooperative (config regex "^nbt_grid_") ----
__device__ inline int nbt_grid_reduce_like(int x) { return x - 3; }

// ---- skipped ----
__device__ inline int nbt_excluded(int x) { return x; }
__device__ inline int nbt_internal_helper(int x) { return x; }
#ifndef __EDG__  // NVRTC refuses host functions
inline int nbt_host_only(int x) { return x; }
#endif
__device__ inline int nbt_long_double(long double x) { return (int)x; }
