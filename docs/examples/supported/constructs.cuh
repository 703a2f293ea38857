// One declaration per C++ construct. The docs build plans this header with constructs.yml and
// turns the planner's verdicts into the "Supported C++" table. A line `// @construct NAME: TEXT`
// names the declaration (C++ name as the planner reports it) and describes the construct; the
// line after it is shown as the example.
#pragma once
#include <cuda_fp16.h>

// @construct twice: __device__ free function
__device__ inline int twice(int x) { return 2 * x; }
// @construct host_twice: __host__ __device__ free function
__host__ __device__ inline int host_twice(int x) { return 2 * x; }
#ifndef __CUDACC_RTC__  // NVRTC rejects any host function, even a declaration: guard them
// @construct host_only: host-only function (guarded by `#ifndef __CUDACC_RTC__`, as CUDA's headers do: NVRTC, which compiles the glue, rejects host functions)
inline int host_only(int x) { return x; }
#endif
// @construct kernel: __global__ kernel
__global__ void kernel(int *p) { *p = 0; }
// @construct ns::scaled: function in a namespace
namespace ns { __device__ inline float scaled(float x) { return 2.0f * x; } }
// @construct axpb: default arguments (one overload per omitted trailing argument)
__device__ inline int axpb(int x, int a = 2, int b = 1) { return a * x + b; }
// @construct overload: overloaded functions
__device__ inline int overload(int x) { return x; }
// @construct overload: overloaded functions
__device__ inline float overload(float x) { return x; }
// @construct half_twice: __half and __nv_bfloat16 arguments
__device__ inline __half half_twice(__half x) { return __hadd(x, x); }
// @construct dot2: CUDA vector types (float2, int4, ...)
__device__ inline float dot2(float2 a, float2 b) { return a.x * b.x + a.y * b.y; }
// @construct sum_ptr: pointer arguments and results
__device__ inline int sum_ptr(const int *p, int n) { return n > 0 ? p[0] : 0; }
// @construct by_ref: reference arguments (see Argument intents)
__device__ inline int by_ref(const int &x) { return x; }
// @construct half2_arg: a type with no Numba mapping (here __half2)
__device__ inline float half2_arg(__half2 x) { return __low2float(x); }
// @construct variadic: C variadic function
__device__ inline int variadic(int n, ...) { return n; }
// @construct removed: deleted function
__device__ int removed(double) = delete;
// @construct tmpl_fn: function template (instantiated when a kernel is compiled)
template <typename T> __device__ T tmpl_fn(T x) { return x; }
// @construct tmpl_pack: function template with a parameter pack
template <typename... Ts> __device__ int tmpl_pack(Ts... xs) { return sizeof...(Ts); }
// @construct color: enum
enum color { RED, GREEN = 5, BLUE };
// @construct level: scoped enum (enum class) with an underlying type
enum class level : short { LOW = -1, HIGH = 1 };
// @construct count_t: typedef of a builtin or bound type
typedef int count_t;
// @construct vec: struct with public fields, constructors and methods
struct vec {
  float x, y;
  __device__ vec() : x(0), y(0) {}
  __device__ vec(float a, float b) : x(a), y(b) {}
  __device__ float norm2() const { return x * x + y * y; }
  __device__ static vec unit() { return vec(1.0f, 0.0f); }
  __device__ void scale(float s) { x *= s; y *= s; }
  __device__ vec operator-() const { return vec(-x, -y); }
  __device__ vec &operator+=(const vec &o) { x += o.x; y += o.y; return *this; }
  __device__ explicit operator float() const { return x; }
  __device__ float operator[](int i) const { return i ? y : x; }
  __device__ float operator()(float t) const { return x * t; }
  __device__ ~vec() {}
  virtual __device__ void v() {}
 private:
  int hidden;
};
// @construct vec::norm2: const method
// @construct vec::unit: static method
// @construct vec::scale: non-const method (updates the variable or array element it is called on)
// @construct vec::operator-: member operator with a Python equivalent (-, +=, ...)
// @construct vec::operator[]: operator[] as v[i] (and v[i] = x for a non-const T& operator[])
// @construct vec::operator(): operator with no Python equivalent ((), ->, ...)
// @construct vec::operator float: conversion operator to a builtin type
// @construct vec::~vec: destructor
// @construct vec::v: virtual method
// @construct operator+: free operator on a bound struct
__device__ inline vec operator+(vec a, vec b) { return vec(a.x + b.x, a.y + b.y); }
// @construct operator*: free operator on builtin types only
__device__ inline __half operator*(__half a, int b) { return a; }
// @construct bits: bitfield members
struct bits { unsigned a : 3; unsigned b : 5; };
// @construct bits::a: bitfield members
// @construct u: union
union u { int i; float f; };
// @construct box: class template (instantiated when a kernel is compiled)
template <typename T> struct box { T value; };
// @construct tag_t: record declared and never defined (a tag type: a template argument)
struct tag_t;
// @construct frag: class template declared only, used through its explicit specialisations
template <typename Tag, int N> struct frag;
template <> struct frag<tag_t, 2> { float x[2]; };
// @construct fill_frag: function taking a class template instance (resolved at kernel compile)
__device__ inline void fill_frag(frag<tag_t, 2>& f, float v) { f.x[0] = v; f.x[1] = 2 * v; }
