#pragma once
// Operators on CUDA vector types: numba-cuda types none of them, so they are bound.
__device__ inline float2 operator+(float2 a, float2 b) {
  float2 r;
  r.x = a.x + b.x;
  r.y = a.y + b.y;
  return r;
}
__device__ inline float2 operator*(float2 a, float s) {
  float2 r;
  r.x = a.x * s;
  r.y = a.y * s;
  return r;
}
