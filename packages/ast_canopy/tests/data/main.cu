// Includes sample.cuh: only what is retained is extracted.
#include "sample.cuh"
__device__ int main_only(int);
