#pragma once
#include <cstdint>
__device__ inline void store_u64(uint64_t* p, uint64_t v) { *p = v; }
__device__ inline uint64_t* pass_u64(uint64_t* p) { return p; }
__device__ inline int64_t neg_i64(const int64_t& v) { return -v; }
typedef uint64_t my_barrier_t;  // a typedef of the header's own, at global scope
__device__ inline void barrier_init(my_barrier_t* b, unsigned int n) { *b = n; }
