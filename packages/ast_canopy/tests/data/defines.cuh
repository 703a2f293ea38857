#ifdef WITH_EXTRA
__device__ int extra_fn(int);
#endif
#if VALUE == 3
__device__ int value_is_three();
#endif
