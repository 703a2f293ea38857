// Macro definitions only: the functions they generate belong to the file that expands them.
#pragma once
#define MAKE_ADD(name, T) \
  __device__ inline T name(T a, T b) { return a + b; }
