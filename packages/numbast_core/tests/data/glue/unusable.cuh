#pragma once
// Declarations that parse but cannot work: each is skipped with its reason.
__device__ int declared_only(int x);  // no definition anywhere: unresolved at link
__device__ int defined_later(int x);
__device__ int defined_later(int x) { return x + 1; }
template <typename T> __device__ T twice(T x) { return x + x; }
template <> __device__ inline int twice<int>(int x) { return 2 * x; }
struct Half {
  int v;
  __device__ int declared_member() const;  // never defined
  __device__ int get() const { return v; }
};
