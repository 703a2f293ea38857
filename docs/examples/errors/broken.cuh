// A header with a C++ error.
__device__ inline int broken(int x) { return x + ; }
