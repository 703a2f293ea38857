#pragma once
// a static member called through a value (C++ allows block.sync() for a static sync()), and two
// structs for isinstance(v, S) in a kernel
struct Tick {
    int n;
    __device__ static int twice(int x) { return 2 * x; }
};
struct Tock {
    int m;
};
__device__ inline Tick make_tick(int n) { return Tick{n}; }
