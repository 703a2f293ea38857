#pragma once
struct NoAssign {
  int v;
  __device__ NoAssign(int x) : v(x) {}
  __device__ NoAssign(const NoAssign& o) : v(o.v) {}
  NoAssign& operator=(const NoAssign&) = delete;
  __device__ int get() const { return v; }
};
__device__ inline NoAssign make_no_assign(int x) { return NoAssign(x); }
__device__ inline NoAssign operator+(const NoAssign& a, const NoAssign& b) { return NoAssign(a.v + b.v); }
