#pragma once
struct Flags {
  int a;
  bool on;
  bool off;
  long long b;
  __device__ Flags() : a(0), on(true), off(false), b(0) {}
  __device__ Flags(int x) : a(x), on(x > 0), off(x <= 0), b(x) {}
  __device__ Flags& set(int x) { a = x; on = true; return *this; }
  __device__ Flags with(int x) const { Flags f(*this); f.a = x; return f; }
};
__device__ inline bool is_on(Flags f) { return f.on; }
struct Mask {  // a fixed array of bools: bytes in memory, booleans when read
  bool bits[3];
  int n;
};
__device__ inline Mask mask_of(int x) { Mask m{}; m.bits[0] = x & 1; m.bits[2] = x & 4; m.n = x; return m; }
