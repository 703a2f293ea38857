"""The kernel suite's cases: each one kernel written twice, with generated bindings in Numba and
in CUDA C++, using a header's main API the way CUDA C++ code does.

A case names the modules its Numba kernel uses (alias -> config), its buffers (inputs filled
from a seed, outputs compared bit for bit between the two kernels), the Numba kernel's source
(``def kernel(<buffers>)``, run with the aliases, ``cuda``, ``types``, ``address_of`` and
``void_address_of`` in scope) and the C++ kernel's body (its parameters are the buffers as
``T*``). ``expected`` (optional) computes outputs with numpy: a third opinion where the answer
does not depend on the order threads ran in. Nothing here needs numbast or a GPU.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

CXX_TYPES = {
    "int8": "signed char", "uint8": "unsigned char", "int16": "short",
    "uint16": "unsigned short", "int32": "int", "uint32": "unsigned int", "int64": "long long",
    "uint64": "unsigned long long", "float16": "__half", "float32": "float", "float64": "double",
}  # fmt: skip


@dataclass(frozen=True)
class Buffer:
    name: str
    dtype: str  # a numpy dtype name
    size: int
    fill: str = "zeros"  # zeros | small (integers in [-100, 100]) | bits (any pattern)
    output: bool = False  # compared between the two kernels


@dataclass(frozen=True)
class Case:
    name: str
    what: str  # one line: the API it exercises
    modules: tuple[tuple[str, str], ...]  # (alias in the Numba source, config name)
    buffers: tuple[Buffer, ...]
    numba: str
    cxx: str  # the C++ kernel's body
    grid: int
    block: int
    expected: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]] | None = None

    def cxx_kernel(self) -> str:
        params = ", ".join(f"{CXX_TYPES[b.dtype]}* {b.name}" for b in self.buffers)
        return f'extern "C" __global__ void {self.name}({params}) {{\n{self.cxx}}}\n'


def inputs(case: Case) -> dict[str, np.ndarray]:
    """Every buffer's initial content (outputs too: a kernel may accumulate into them)."""
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    out = {}
    for b in case.buffers:
        dtype = np.dtype(b.dtype)
        if b.fill == "small":
            values = rng.integers(-100, 101, b.size).astype(dtype)
        elif b.fill == "bits":
            values = rng.integers(0, 256, b.size * dtype.itemsize, dtype=np.uint8).view(dtype)
        else:
            values = np.zeros(b.size, dtype=dtype)
        out[b.name] = np.ascontiguousarray(values)
    return out


# ---------------------------------------------------------------------------------------------
# cooperative_groups: a block sync, a tile reduce (sum), a coalesced group

THREADS, BLOCKS = 256, 64
N = THREADS * BLOCKS


def _cg_expected(given):
    x = given["inp"].astype(np.int64)
    lanes = np.arange(N) % 32
    members = lanes % 3 == 0  # lanes 0, 3, ..., 30: ranks 0..10 of each warp's group
    coalesced = np.where(members, 11 * 100 + lanes // 3, 0)
    positive = (given["inp"] > 0).reshape(-1, 32)[:, ::3]  # the members' predicates, by rank
    ballot = (positive.astype(np.uint64) << np.arange(11, dtype=np.uint64)).sum(axis=1)
    votes = ballot * 4 + positive.any(axis=1) * 2 + positive.all(axis=1)
    return {
        "tile_sums": x.reshape(-1, 32).sum(axis=1).astype(np.int32),
        "block_sums": x.reshape(-1, THREADS).sum(axis=1).astype(np.int32),
        "coalesced": coalesced.astype(np.int32),
        "votes": np.where(members, np.repeat(votes, 32), 0).astype(np.uint32),
    }


CG = Case(
    name="cg_block_tile_sum",
    what="cooperative_groups: this_thread_block().sync(), tiled_partition(block, 32) sum, "
    "coalesced_threads() size/rank/ballot/any/all",
    modules=(("cg", "cooperative_groups"),),
    buffers=(
        Buffer("inp", "int32", N, "small"),
        Buffer("tile_sums", "int32", N // 32, output=True),
        Buffer("block_sums", "int32", BLOCKS, output=True),
        Buffer("coalesced", "int32", N, output=True),
        Buffer("votes", "uint32", N, output=True),
    ),
    numba="""\
def kernel(inp, tile_sums, block_sums, coalesced, votes):
    sm = cuda.shared.array(256, types.int32)
    block = cg.this_thread_block()
    t = block.thread_rank()
    i = cuda.grid(1)
    sm[t] = inp[i]
    block.sync()
    tile = cg.tiled_partition(block, 32)
    lane = tile.thread_rank()
    if lane % 3 == 0:  # (right after a block sync: whole warps arrive here)
        g = cg.coalesced_threads()
        coalesced[i] = g.size() * 100 + g.thread_rank()
        vote = types.int32(inp[i] > 0)
        votes[i] = g.ballot(vote) * 4 + (g.any(vote) != 0) * 2 + (g.all(vote) != 0)
    step = 16
    while step > 0:
        if lane < step:
            sm[t] += sm[t + step]
        tile.sync()
        step //= 2
    if lane == 0:
        tile_sums[i // 32] = sm[t]
    block.sync()
    if t == 0:
        s = 0
        for w in range(0, block.size(), 32):
            s += sm[w]
        block_sums[cuda.blockIdx.x] = s
""",
    cxx="""\
    namespace cg = cooperative_groups;
    __shared__ int sm[256];
    cg::thread_block block = cg::this_thread_block();
    unsigned t = block.thread_rank();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    sm[t] = inp[i];
    block.sync();
    cg::thread_group tile = cg::tiled_partition(block, 32);
    unsigned long long lane = tile.thread_rank();
    if (lane % 3 == 0) {
        cg::coalesced_group g = cg::coalesced_threads();
        coalesced[i] = g.size() * 100 + g.thread_rank();
        int vote = inp[i] > 0;
        votes[i] = g.ballot(vote) * 4 + (g.any(vote) != 0) * 2 + (g.all(vote) != 0);
    }
    for (unsigned step = 16; step > 0; step /= 2) {
        if (lane < step) sm[t] += sm[t + step];
        tile.sync();
    }
    if (lane == 0) tile_sums[i / 32] = sm[t];
    block.sync();
    if (t == 0) {
        int s = 0;
        for (unsigned w = 0; w < block.size(); w += 32) s += sm[w];
        block_sums[blockIdx.x] = s;
    }
""",
    grid=BLOCKS,
    block=THREADS,
    expected=_cg_expected,
)

# ---------------------------------------------------------------------------------------------
# cooperative_groups reduce: cg::reduce over a thread_block_tile<32> with the cg functors


def _cg_reduce_expected(given):
    x = given["inp"].reshape(-1, 32)
    t = np.arange(N) % THREADS
    return {
        "sums": x.astype(np.int64).sum(axis=1).astype(np.int32),
        "mins": x.min(axis=1),
        "maxs": x.max(axis=1),
        "xors": np.bitwise_xor.reduce(x, axis=1),
        "ranks": ((t // 32) * 100 + t % 32).astype(np.int32),
    }


CG_REDUCE = Case(
    name="cg_tile_reduce",
    what="cooperative_groups reduce: tiled_partition<32>(block) (a thread_block_tile class "
    "template instance), cg::reduce with cg::plus / less / greater / bit_xor<int>, "
    "meta_group_rank, thread_rank, block sync",
    modules=(("cgr", "cg_reduce"),),
    buffers=(
        Buffer("inp", "int32", N, "small"),
        Buffer("sums", "int32", N // 32, output=True),
        Buffer("mins", "int32", N // 32, output=True),
        Buffer("maxs", "int32", N // 32, output=True),
        Buffer("xors", "int32", N // 32, output=True),
        Buffer("ranks", "int32", N, output=True),
    ),
    numba="""\
def kernel(inp, sums, mins, maxs, xors, ranks):
    block = cgr.this_thread_block()
    tile = cgr.tiled_partition(block, Size=32)
    i = cuda.grid(1)
    v = inp[i]
    s = cgr.reduce(tile, v, cgr.plus(Ty=types.int32))
    lo = cgr.reduce(tile, v, cgr.less(Ty=types.int32))
    hi = cgr.reduce(tile, v, cgr.greater(Ty=types.int32))
    x = cgr.reduce(tile, v, cgr.bit_xor(Ty=types.int32))
    block.sync()
    if tile.thread_rank() == 0:
        w = i // 32
        sums[w] = s
        mins[w] = lo
        maxs[w] = hi
        xors[w] = x
    ranks[i] = tile.meta_group_rank() * 100 + tile.thread_rank()
""",
    cxx="""\
    namespace cg = cooperative_groups;
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int v = inp[i];
    int s = cg::reduce(tile, v, cg::plus<int>());
    int lo = cg::reduce(tile, v, cg::less<int>());
    int hi = cg::reduce(tile, v, cg::greater<int>());
    int x = cg::reduce(tile, v, cg::bit_xor<int>());
    block.sync();
    if (tile.thread_rank() == 0) {
        int w = i / 32;
        sums[w] = s;
        mins[w] = lo;
        maxs[w] = hi;
        xors[w] = x;
    }
    ranks[i] = tile.meta_group_rank() * 100 + tile.thread_rank();
""",
    grid=BLOCKS,
    block=THREADS,
    expected=_cg_reduce_expected,
)

# ---------------------------------------------------------------------------------------------
# cuda_pipeline_primitives: a double-buffered memcpy_async pipeline (global -> shared)

TILES = 8  # tiles of 128 ints per block


def _pipeline_expected(given):
    src = given["src"].astype(np.int64).reshape(BLOCKS, TILES, 128)
    shifted = np.roll(src, -1, axis=2)  # thread t reads element t + 1 of each tile
    weights = np.arange(1, TILES + 1).reshape(1, TILES, 1)
    return {"out": (shifted * weights).sum(axis=1).reshape(-1).astype(np.int32)}


PIPELINE = Case(
    name="pipeline_double_buffer",
    what="cuda_pipeline_primitives: __pipeline_memcpy_async / commit / wait_prior, two stages",
    modules=(("pp", "cuda_pipeline_primitives"),),
    buffers=(
        Buffer("src", "int32", BLOCKS * TILES * 128, "small"),
        Buffer("out", "int32", BLOCKS * 128, output=True),
    ),
    numba=f"""\
def kernel(src, out):
    buf = cuda.shared.array(256, types.int32)
    t = cuda.threadIdx.x
    base = cuda.blockIdx.x * {TILES} * 128
    pp.__pipeline_memcpy_async(void_address_of(buf, t), void_address_of(src, base + t), 4)
    pp.__pipeline_commit()
    acc = 0
    for k in range({TILES}):
        if k + 1 < {TILES}:
            dst = void_address_of(buf, ((k + 1) % 2) * 128 + t)
            pp.__pipeline_memcpy_async(dst, void_address_of(src, base + (k + 1) * 128 + t), 4)
            pp.__pipeline_commit()
            pp.__pipeline_wait_prior(1)
        else:
            pp.__pipeline_wait_prior(0)
        cuda.syncthreads()
        acc += buf[(k % 2) * 128 + (t + 1) % 128] * (k + 1)
        cuda.syncthreads()
    out[cuda.blockIdx.x * 128 + t] = acc
""",
    cxx=f"""\
    __shared__ int buf[256];
    int t = threadIdx.x;
    int base = blockIdx.x * {TILES} * 128;
    __pipeline_memcpy_async(&buf[t], &src[base + t], 4);
    __pipeline_commit();
    int acc = 0;
    for (int k = 0; k < {TILES}; ++k) {{
        if (k + 1 < {TILES}) {{
            int slot = ((k + 1) % 2) * 128 + t;
            __pipeline_memcpy_async(&buf[slot], &src[base + (k + 1) * 128 + t], 4);
            __pipeline_commit();
            __pipeline_wait_prior(1);
        }} else {{
            __pipeline_wait_prior(0);
        }}
        __syncthreads();
        acc += buf[(k % 2) * 128 + (t + 1) % 128] * (k + 1);
        __syncthreads();
    }}
    out[blockIdx.x * 128 + t] = acc;
""",
    grid=BLOCKS,
    block=128,
    expected=_pipeline_expected,
)

# ---------------------------------------------------------------------------------------------
# cuda_awbarrier_primitives: an arrive/wait barrier in shared memory, two phases


def _barrier_expected(given):
    src = given["src"].astype(np.int64).reshape(BLOCKS, 128)
    first = np.roll(src, -1, axis=1)  # phase 0: the next thread's value
    second = np.roll(src * 2 + 1, -2, axis=1)  # phase 1: two threads on, rewritten
    return {"out": (first * 1000 + second).reshape(-1).astype(np.int32)}


BARRIER = Case(
    name="awbarrier_arrive_wait",
    what="cuda_awbarrier_primitives: __mbarrier_init / arrive / test_wait / try_wait_parity",
    modules=(("ab", "cuda_awbarrier_primitives"),),
    buffers=(
        Buffer("src", "int32", BLOCKS * 128, "small"),
        Buffer("out", "int32", BLOCKS * 128, output=True),
    ),
    numba="""\
def kernel(src, out):
    sm = cuda.shared.array(128, types.int32)
    bar = cuda.shared.array(1, types.uint64)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    if t == 0:
        ab.__mbarrier_init(address_of(bar, 0), cuda.blockDim.x)
    cuda.syncthreads()
    sm[t] = src[i]
    token = ab.__mbarrier_arrive(address_of(bar, 0))
    while not ab.__mbarrier_test_wait(address_of(bar, 0), token):
        pass
    first = sm[(t + 1) % 128]
    token = ab.__mbarrier_arrive(address_of(bar, 0))
    while not ab.__mbarrier_test_wait(address_of(bar, 0), token):
        pass
    sm[t] = src[i] * 2 + 1
    ab.__mbarrier_arrive(address_of(bar, 0))
    while not ab.__mbarrier_try_wait_parity(address_of(bar, 0), False, 1000):
        pass
    out[i] = first * 1000 + sm[(t + 2) % 128]
""",
    cxx="""\
    __shared__ int sm[128];
    __shared__ __mbarrier_t bar;
    int t = threadIdx.x;
    int i = blockIdx.x * blockDim.x + t;
    if (t == 0) __mbarrier_init(&bar, blockDim.x);
    __syncthreads();
    sm[t] = src[i];
    __mbarrier_token_t token = __mbarrier_arrive(&bar);
    while (!__mbarrier_test_wait(&bar, token)) {}
    int first = sm[(t + 1) % 128];
    token = __mbarrier_arrive(&bar);
    while (!__mbarrier_test_wait(&bar, token)) {}
    sm[t] = src[i] * 2 + 1;
    (void)__mbarrier_arrive(&bar);
    while (!__mbarrier_try_wait_parity(&bar, false, 1000)) {}
    out[i] = first * 1000 + sm[(t + 2) % 128];
""",
    grid=BLOCKS,
    block=128,
    expected=_barrier_expected,
)

# ---------------------------------------------------------------------------------------------
# atomicAdd: int, unsigned, unsigned long long (device_atomic_functions), float (sm_20),
# double and the _block / _system forms of all five (sm_60), under contention. The values are
# small integers, so every sum is exact whatever order the threads add in.

SLOTS = 4  # slots 0..3: the whole grid adds; 4 + block: that block's _block adds; last: _system
ACC = SLOTS + BLOCKS + 1
ATOMIC_TYPES = (("i", "int32"), ("u", "uint32"), ("ull", "uint64"), ("f", "float32"),
                ("d", "float64"))  # fmt: skip


def _atomic_expected(given):
    v = given["vals"].astype(np.int64)
    out = {}
    for suffix, dtype in ATOMIC_TYPES:
        acc = np.zeros(ACC, dtype=np.int64)
        np.add.at(acc, np.arange(N) % SLOTS, v)
        acc[SLOTS : SLOTS + BLOCKS] = v.reshape(BLOCKS, THREADS).sum(axis=1)
        acc[-1] = v.sum()
        out[f"acc_{suffix}"] = acc.astype(np.dtype(dtype))  # unsigned: modulo 2**n, as C++
    return out


def _atomic_numba() -> str:
    casts = {"i": "v", "u": "types.uint32(v)", "ull": "types.uint64(v)",
             "f": "types.float32(v)", "d": "types.float64(v)"}  # fmt: skip
    plain = {"i": "dev", "u": "dev", "ull": "dev", "f": "sm20", "d": "sm60"}
    params = ", ".join(f"acc_{s}" for s, _ in ATOMIC_TYPES)
    lines = [f"def kernel(vals, {params}):", "    i = cuda.grid(1)", "    v = vals[i]"]
    for s, _ in ATOMIC_TYPES:
        lines += [
            f"    {plain[s]}.atomicAdd(address_of(acc_{s}, i % {SLOTS}), {casts[s]})",
            f"    sm60.atomicAdd_block(address_of(acc_{s}, {SLOTS} + cuda.blockIdx.x), {casts[s]})",
            f"    sm60.atomicAdd_system(address_of(acc_{s}, {ACC - 1}), {casts[s]})",
        ]
    return "\n".join(lines) + "\n"


def _atomic_cxx() -> str:
    lines = ["    int i = blockIdx.x * blockDim.x + threadIdx.x;", "    int v = vals[i];"]
    for s, dtype in ATOMIC_TYPES:
        cast = f"({CXX_TYPES[dtype]})v"
        lines += [
            f"    atomicAdd(&acc_{s}[i % {SLOTS}], {cast});",
            f"    atomicAdd_block(&acc_{s}[{SLOTS} + blockIdx.x], {cast});",
            f"    atomicAdd_system(&acc_{s}[{ACC - 1}], {cast});",
        ]
    return "\n".join(lines) + "\n"


ATOMICS = Case(
    name="atomic_add_variants",
    what="atomicAdd (int, unsigned, unsigned long long, float, double) and its _block and "
    "_system forms, every thread of the grid on a few addresses",
    modules=(
        ("dev", "device_atomic_functions"),
        ("sm20", "sm_20_atomic_functions"),
        ("sm60", "sm_60_atomic_functions"),
    ),
    buffers=(
        Buffer("vals", "int32", N, "small"),
        *(Buffer(f"acc_{s}", dtype, ACC, output=True) for s, dtype in ATOMIC_TYPES),
    ),
    numba=_atomic_numba(),
    cxx=_atomic_cxx(),
    grid=BLOCKS,
    block=THREADS,
    expected=_atomic_expected,
)

# ---------------------------------------------------------------------------------------------
# a header of our own (kernels/own_api.cuh): every result compared with the same C++ kernel

OWN = (("own", "own_api"),)

OWN_WIDTHS = Case(
    name="own_widths_enums",
    what="own_api.cuh: <cstdint> enums (uint8, int16, int64, uint32) and typedefs, by-value "
    "overloads of int64/int32/uint8",
    modules=OWN,
    buffers=(
        Buffer("x", "uint32", N, "bits"),
        Buffer("r_code", "uint32", N, output=True),
        Buffer("r_travel", "int64", N, output=True),
        Buffer("r_half", "uint16", N, output=True),
        Buffer("r_pick", "int32", N, output=True),
    ),
    numba="""\
def kernel(x, r_code, r_travel, r_half, r_pick):
    i = cuda.grid(1)
    v = x[i]
    r_code[i] = own.level_code(own.Level.Mid) + own.masked(v, own.Mask32.LowBits)
    r_travel[i] = own.travel(own.Far.Distant, own.Offset.Back, types.int32(v & 0xFFFF))
    r_half[i] = own.low_half(v)
    picked = own.pick(types.int64(v)) * 10000 + own.pick(types.int32(v)) * 100
    r_pick[i] = picked + own.pick(types.uint8(v & 0xFF))
""",
    cxx="""\
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    std::uint32_t v = x[i];
    r_code[i] = level_code(Level::Mid) + masked(v, LowBits);
    r_travel[i] = travel(Distant, Offset::Back, (std::int32_t)(v & 0xFFFF));
    r_half[i] = low_half(v);
    int picked = pick((std::int64_t)v) * 10000 + pick((std::int32_t)v) * 100;
    r_pick[i] = picked + pick((std::uint8_t)(v & 0xFF));
""",
    grid=BLOCKS,
    block=THREADS,
)

OWN_STRUCTS = Case(
    name="own_structs_pointer_next",
    what="own_api.cuh: a struct with a deleted operator= returned by value; a T* and a T& API "
    "on a local struct and on local-array elements; `next`; isinstance(v, Accumulator)",
    modules=OWN,
    buffers=(
        Buffer("x", "int32", N, "small"),
        Buffer("r_wrap", "int32", N, output=True),
        Buffer("r_next", "uint32", N, output=True),
        Buffer("r_total", "int64", 2 * N, output=True),
        Buffer("r_count", "uint32", 2 * N, output=True),
        Buffer("r_last", "float32", 2 * N, output=True),
        Buffer("r_isinstance", "int32", N, output=True),
    ),
    numba="""\
def kernel(x, r_wrap, r_next, r_total, r_count, r_last, r_isinstance):
    i = cuda.grid(1)
    v = x[i]
    r_wrap[i] = own.unwrap(own.make_no_assign(v))
    r_next[i] = own.next(own.next(types.uint32(v)))
    a = own.Accumulator()
    own.accumulate(a, v)
    own.accumulate(a, v + 7)
    own.halve(a)
    r_total[2 * i] = a.total
    r_count[2 * i] = a.count
    r_last[2 * i] = a.last
    many = cuda.local.array(3, own._type_Accumulator)
    many[1] = own.Accumulator()
    own.accumulate(many[1], -v)
    own.halve(many[1])
    own.accumulate(many[1], 3 * v)
    r_total[2 * i + 1] = many[1].total
    r_count[2 * i + 1] = many[1].count
    r_last[2 * i + 1] = many[1].last
    r_isinstance[i] = 1 if isinstance(a, own.Accumulator) else 0
""",
    cxx="""\
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int v = x[i];
    r_wrap[i] = unwrap(make_no_assign(v));
    r_next[i] = next(next((std::uint32_t)v));
    Accumulator a = Accumulator();
    accumulate(&a, v);
    accumulate(&a, v + 7);
    halve(a);
    r_total[2 * i] = a.total;
    r_count[2 * i] = a.count;
    r_last[2 * i] = a.last;
    Accumulator many[3];
    many[1] = Accumulator();
    accumulate(&many[1], -v);
    halve(many[1]);
    accumulate(&many[1], 3 * v);
    r_total[2 * i + 1] = many[1].total;
    r_count[2 * i + 1] = many[1].count;
    r_last[2 * i + 1] = many[1].last;
    r_isinstance[i] = 1;  // C++ knows a's type statically
""",
    grid=BLOCKS,
    block=THREADS,
)

OWN_VECTORS = Case(
    name="own_float2_operators",
    what="own_api.cuh: float2 operator+(float2, float2) and operator*(float2, float)",
    modules=OWN,
    buffers=(
        Buffer("ax", "float32", N, "bits"),
        Buffer("ay", "float32", N, "bits"),
        Buffer("b", "float32", N, "bits"),
        Buffer("rx", "float32", N, output=True),
        Buffer("ry", "float32", N, output=True),
    ),
    numba="""\
def kernel(ax, ay, b, rx, ry):
    i = cuda.grid(1)
    p = cuda.float32x2(ax[i], ay[i])
    q = cuda.float32x2(b[i], ax[i])
    r = (p + q) * b[i]
    rx[i] = r.x
    ry[i] = r.y
""",
    cxx="""\
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float2 p = make_float2(ax[i], ay[i]);
    float2 q = make_float2(b[i], ax[i]);
    float2 r = (p + q) * b[i];
    rx[i] = r.x;
    ry[i] = r.y;
""",
    grid=BLOCKS,
    block=THREADS,
)

# ---------------------------------------------------------------------------------------------
# crt/sm_80_rt.h: the warp reduce intrinsics (__reduce_*_sync), int and unsigned overloads

REDUCTIONS = tuple(
    (f"{op}_{t[0]}", op, "int32" if t == "int" else "uint32")
    for t, ops in (
        ("int", ("add", "min", "max")),
        ("uns", ("add", "min", "max", "and", "or", "xor")),
    )
    for op in ops
)


def _warp_reduce_expected(given):
    signed = given["vals"].reshape(-1, 32).astype(np.int64)
    bits = given["vals"].view(np.uint32).reshape(-1, 32)
    folds = {"add": np.sum, "min": np.min, "max": np.max, "and": np.bitwise_and.reduce,
             "or": np.bitwise_or.reduce, "xor": np.bitwise_xor.reduce}  # fmt: skip
    out = {}
    for name, op, dtype in REDUCTIONS:
        lanes = signed if dtype == "int32" else bits.astype(np.uint64)
        warp = folds[op](lanes, axis=1)  # (an unsigned sum wraps in the cast, as in C++)
        out[name] = np.repeat(warp, 32).astype(np.dtype(dtype))
    return out


WARP_REDUCE = Case(
    name="warp_reduce_sync",
    what="__reduce_add/min/max_sync (int and unsigned overloads) and __reduce_and/or/xor_sync "
    "over full warps (crt/sm_80_rt.h)",
    modules=(("sm80", "crt_sm_80_rt"),),
    buffers=(
        Buffer("vals", "int32", N, "small"),
        *(Buffer(name, dtype, N, output=True) for name, _, dtype in REDUCTIONS),
    ),
    numba="def kernel(vals, " + ", ".join(n for n, _, _ in REDUCTIONS) + "):\n"
    "    i = cuda.grid(1)\n    mask = types.uint32(0xFFFFFFFF)\n"
    + "".join(
        f"    {n}[i] = sm80.__reduce_{op}_sync(mask, "
        f"{'vals[i]' if t == 'int32' else 'types.uint32(vals[i])'})\n"
        for n, op, t in REDUCTIONS
    ),
    cxx="    int i = blockIdx.x * blockDim.x + threadIdx.x;\n    unsigned mask = 0xFFFFFFFFu;\n"
    + "".join(
        f"    {n}[i] = __reduce_{op}_sync(mask, {'' if t == 'int32' else '(unsigned)'}vals[i]);\n"
        for n, op, t in REDUCTIONS
    ),
    grid=BLOCKS,
    block=THREADS,
    expected=_warp_reduce_expected,
)

OWN_DECLARED = Case(
    name="own_declared_template",
    what="own_api.cuh: a class template declared only, through its explicit specialisations "
    "(tag types, a defaulted argument); instances written through T& (functions, a function "
    "template, one bound ahead), returned, passed with an enum; a template joining a plain "
    "overload set",
    modules=OWN,
    buffers=(
        Buffer("x", "int32", N, "small"),
        Buffer("r_float", "float32", N, output=True),
        Buffer("r_int", "int32", N, output=True),
        Buffer("r_total", "int64", N, output=True),
    ),
    numba="""\
def kernel(x, r_float, r_int, r_total):
    i = cuda.grid(1)
    v = types.float32(x[i])
    lo = own.Frag(Tag=own.LowTag, N=2, T=types.float32)
    own.fill(lo, v)
    hi = own.Frag(Tag=own.HighTag, N=2, T=types.float32)
    own.fill(hi, v + types.float32(1))
    made = own.make_high(v)
    own.scale_all(made, types.float32(3))
    both = own.combine(lo, own.Combine.Sum) + own.combine(hi, own.Combine.Product)
    r_float[i] = both + own.combine(made, own.Combine.Sum)
    three = own.Frag(Tag=own.LowTag, N=3)
    own.fill(three, v)
    r_int[i] = own.combine(three, own.Combine.Product)
    acc = own.Accumulator()
    own.accumulate(acc, x[i])
    own.halve(acc, types.int32(2))
    r_total[i] = acc.total
""",
    cxx="""\
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = (float)x[i];
    Frag<LowTag, 2, float> lo;
    fill(lo, v);
    Frag<HighTag, 2, float> hi;
    fill(hi, v + 1.0f);
    Frag<HighTag, 2, float> made = make_high(v);
    scale_all(made, 3.0f);
    float both = combine(lo, Combine::Sum) + combine(hi, Combine::Product);
    r_float[i] = both + combine(made, Combine::Sum);
    Frag<LowTag, 3> three;
    fill(three, v);
    r_int[i] = combine(three, Combine::Product);
    Accumulator acc = Accumulator();
    accumulate(&acc, x[i]);
    halve(acc, 2);
    r_total[i] = acc.total;
""",
    grid=BLOCKS,
    block=THREADS,
)

# ---------------------------------------------------------------------------------------------
# mma.h (nvcuda::wmma): one warp per block multiplies its 16x16 half tiles on the tensor cores

MMA_TILE, MMA_TILES = 256, 64  # 16x16 elements; one warp per tile


def _wmma_expected(given):
    a = given["a"].astype(np.float64).reshape(MMA_TILES, 16, 16)  # row-major: [tile, m, k]
    b = given["b"].astype(np.float64).reshape(MMA_TILES, 16, 16).transpose(0, 2, 1)  # col-major
    c = given["c"].astype(np.float64).reshape(MMA_TILES, 16, 16)
    product = a @ b  # integers of at most 16 * 100 * 100: exact in float32 in any order
    return {
        "d": (product + c).astype(np.float32).reshape(-1),
        "e": product.transpose(0, 2, 1).astype(np.float32).reshape(-1),  # stored col-major
    }


WMMA = Case(
    name="wmma_fragments",
    what="mma.h: fragment<matrix_a/matrix_b/accumulator, 16, 16, 16> load_matrix_sync (with a "
    "layout), fill_fragment, mma_sync, store_matrix_sync row- and col-major",
    modules=(("wm", "mma"),),
    buffers=(
        Buffer("a", "float16", MMA_TILES * MMA_TILE, "small"),
        Buffer("b", "float16", MMA_TILES * MMA_TILE, "small"),
        Buffer("c", "float32", MMA_TILES * MMA_TILE, "small"),
        Buffer("d", "float32", MMA_TILES * MMA_TILE, output=True),
        Buffer("e", "float32", MMA_TILES * MMA_TILE, output=True),
    ),
    numba="""\
def kernel(a, b, c, d, e):
    t = cuda.blockIdx.x * 256
    fa = wm.fragment(Use=wm.matrix_a, m=16, n=16, k=16, T=types.float16, Layout=wm.row_major)
    fb = wm.fragment(Use=wm.matrix_b, m=16, n=16, k=16, T=types.float16, Layout=wm.col_major)
    acc = wm.fragment(Use=wm.accumulator, m=16, n=16, k=16, T=types.float32)
    wm.load_matrix_sync(fa, address_of(a, t), 16)
    wm.load_matrix_sync(fb, address_of(b, t), 16)
    wm.load_matrix_sync(acc, address_of(c, t), 16, wm.layout_t.mem_row_major)
    wm.mma_sync(acc, fa, fb, acc)
    wm.store_matrix_sync(address_of(d, t), acc, 16, wm.layout_t.mem_row_major)
    zero = wm.fragment(Use=wm.accumulator, m=16, n=16, k=16, T=types.float32)
    wm.fill_fragment(zero, types.float32(0))
    wm.mma_sync(zero, fa, fb, zero)
    wm.store_matrix_sync(address_of(e, t), zero, 16, wm.layout_t.mem_col_major)
""",
    cxx="""\
    using namespace nvcuda;
    int t = blockIdx.x * 256;
    wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> fb;
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc;
    wmma::load_matrix_sync(fa, a + t, 16);
    wmma::load_matrix_sync(fb, b + t, 16);
    wmma::load_matrix_sync(acc, c + t, 16, wmma::mem_row_major);
    wmma::mma_sync(acc, fa, fb, acc);
    wmma::store_matrix_sync(d + t, acc, 16, wmma::mem_row_major);
    wmma::fragment<wmma::accumulator, 16, 16, 16, float> zero;
    wmma::fill_fragment(zero, 0.0f);
    wmma::mma_sync(zero, fa, fb, zero);
    wmma::store_matrix_sync(e + t, zero, 16, wmma::mem_col_major);
""",
    grid=MMA_TILES,
    block=32,
    expected=_wmma_expected,
)

CASES = (CG, CG_REDUCE, PIPELINE, BARRIER, ATOMICS, WARP_REDUCE, OWN_WIDTHS, OWN_STRUCTS,
         OWN_VECTORS, OWN_DECLARED, WMMA)  # fmt: skip


def configs(cases: Sequence[Case] | None = None) -> dict[str, None]:
    """Every config ``cases`` (default: all) use, in order (a dict as an ordered set)."""
    return {
        config: None for case in (CASES if cases is None else cases) for _, config in case.modules
    }
