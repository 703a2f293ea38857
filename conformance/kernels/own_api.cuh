// A header of our own, written the way users write them, for the kernel suite
// (conformance/kernel_cases.py): <cstdint> widths in enums and typedefs, by-value overloads of
// the widths, a struct whose operator= is deleted, a T*-taking and a T&-taking API, a function
// named `next`, operators on a CUDA vector type.
#pragma once
#include <cstdint>

enum class Level : std::uint8_t { Low = 1, Mid = 100, High = 255 };
enum class Offset : std::int16_t { Back = -300, Ahead = 300 };
enum Far : std::int64_t { Near = 1, Distant = 1099511627776LL };
enum Mask32 : std::uint32_t { TopBit = 0x80000000u, LowBits = 0xFFu };
typedef std::uint16_t half_word_t;
using wide_t = std::int64_t;

__device__ inline std::uint32_t level_code(Level l) { return static_cast<std::uint32_t>(l) * 3u; }
__device__ inline wide_t travel(Far f, Offset o, std::int32_t k) {
    return static_cast<wide_t>(f) * k + static_cast<std::int16_t>(o);
}
__device__ inline std::uint32_t masked(std::uint32_t x, Mask32 m) { return x & m; }
__device__ inline half_word_t low_half(std::uint32_t x) { return static_cast<half_word_t>(x); }

// by value, beside each other: the glue must spell std::int64_t as NVRTC knows it
__device__ inline int pick(std::int64_t v) { return 64 + static_cast<int>(v & 7); }
__device__ inline int pick(std::int32_t v) { return 32 + (v & 7); }
__device__ inline int pick(std::uint8_t v) { return 8 + (v & 7); }

// results of a struct without a usable operator= are constructed, never assigned
struct NoAssign {
    int v;
    __device__ explicit NoAssign(int x) : v(x) {}
    NoAssign& operator=(const NoAssign&) = delete;
};
__device__ inline NoAssign make_no_assign(int x) { return NoAssign(x * 3 + 1); }
__device__ inline int unwrap(NoAssign a) { return a.v - 1; }

// an API taking the struct by pointer and by reference: the callee's writes land in the caller's
struct Accumulator {
    std::int64_t total;
    std::uint32_t count;
    float last;
};
__device__ inline void accumulate(Accumulator* a, std::int32_t x) {
    a->total += x;
    a->count += 1u;
    a->last = static_cast<float>(x) * 0.5f;
}
__device__ inline void halve(Accumulator& a) { a.total /= 2; }

// a name that is a Python builtin
__device__ inline std::uint32_t next(std::uint32_t x) { return x * 1664525u + 1013904223u; }

// operators on a CUDA vector type (numba-cuda 0.30.4 defines none for float2)
__device__ inline float2 operator+(float2 a, float2 b) { return make_float2(a.x + b.x, a.y + b.y); }
__device__ inline float2 operator*(float2 a, float s) { return make_float2(a.x * s, a.y * s); }

// a class template declared and never defined, used through its explicit specialisations (as
// mma.h's fragment): tag types as arguments, a defaulted one, and functions taking instances by
// non-const reference (the callee's writes land in the caller's variable) and with an enum
struct LowTag;
struct HighTag;
enum class Combine : std::uint8_t { Sum = 0, Product = 1 };
template <typename Tag, int N, typename T = void> struct Frag;
template <> struct Frag<LowTag, 2, float> { float x[2]; };
template <> struct Frag<HighTag, 2, float> { float x[2]; };
template <> struct Frag<LowTag, 3> { std::int32_t x[3]; };
__device__ inline void fill(Frag<LowTag, 2, float>& f, float v) { f.x[0] = v; f.x[1] = v * 0.5f; }
__device__ inline void fill(Frag<HighTag, 2, float>& f, float v) { f.x[0] = v * 4.0f; f.x[1] = -v; }
__device__ inline void fill(Frag<LowTag, 3>& f, float v) {
    for (int i = 0; i < 3; ++i) f.x[i] = static_cast<std::int32_t>(v) * (i + 1);
}
__device__ inline float combine(const Frag<LowTag, 2, float>& f, Combine how) {
    return how == Combine::Sum ? f.x[0] + f.x[1] : f.x[0] * f.x[1];
}
__device__ inline float combine(const Frag<HighTag, 2, float>& f, Combine how) {
    return how == Combine::Sum ? f.x[0] - f.x[1] : f.x[0] * f.x[1] + 1.0f;
}
__device__ inline std::int32_t combine(const Frag<LowTag, 3>& f, Combine how) {
    return how == Combine::Sum ? f.x[0] + f.x[1] + f.x[2] : f.x[0] * f.x[1] - f.x[2];
}
template <typename T> struct NeverDefined;  // no instances: skipped, with the reason
// an instance returned by value; a function template writing through T&; a template joining a
// plain function's overload set (halve(Accumulator&) above): C++ picks among all of them
__device__ inline Frag<HighTag, 2, float> make_high(float v) {
    Frag<HighTag, 2, float> f;
    f.x[0] = v;
    f.x[1] = v + 0.25f;
    return f;
}
template <typename T> __device__ void scale_all(T& f, float k) { f.x[0] *= k; f.x[1] *= k; }
template <typename T> __device__ void halve(T& a, int times) {
    for (int i = 0; i < times; ++i) a.total /= 2;
}
