__device__ int ok(int a);
__device__ int broken(int a) { return a + ; }
__device__ undefined_t also_broken();
__device__ int fine_too(float);
