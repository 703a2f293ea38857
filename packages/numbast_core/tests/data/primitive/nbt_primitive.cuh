// Structs whose layout is one scalar, bound with `Data Models: X: PrimitiveModel` (issue 15).
#pragma once

struct Celsius {  // one float: the Numba value is that float
  float degrees;
  __device__ Celsius() : degrees(0.0f) {}
  __device__ Celsius(float d) : degrees(d) {}
  __device__ explicit operator float() const { return degrees; }
  __device__ float kelvin() const { return degrees + 273.15f; }
  __device__ void warm(float by) { degrees += by; }
};

__device__ inline Celsius operator+(Celsius a, Celsius b) { return Celsius(a.degrees + b.degrees); }

class Code8 {  // one private byte: opaque, the Numba value is an i8
  unsigned char bits;

 public:
  __device__ Code8(int v) : bits(static_cast<unsigned char>(v * 3)) {}
  __device__ int value() const { return bits; }
};

struct Pair {  // two fields: not a PrimitiveModel
  int a;
  int b;
};

__device__ inline int total(Pair p) { return p.a + p.b; }
