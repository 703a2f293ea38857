#pragma once
#include "this_header_does_not_exist.h"
__device__ inline float tiny_add(float a, float b) { return a + b; }
