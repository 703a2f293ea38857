// Every declaration kind ast_canopy extracts, in one header.
#pragma once
#include "macros.cuh"

namespace geo {

struct __align__(16) Vec {
  float x;
  float y;
  float data[2];
  unsigned flags : 3;
  unsigned mode : 5;
  union {
    int as_int;
    float as_float;
  };
  struct Meta {
    short tag;
  } meta;

  Vec() = default;
  __device__ Vec(const Vec &) = default;
  __device__ Vec(Vec &&) = default;
  __host__ __device__ Vec(float v);
  __device__ explicit Vec(int v, float scale = 2.0f);
  __device__ Vec(float a, float b, float c);
  __device__ ~Vec() {}
  __device__ explicit operator float() const { return x; }
  __device__ Vec &operator+=(const Vec &o);
  __device__ float operator[](int i) const;
  __device__ float operator()(float a, float b) const;
  __device__ static Vec zero();
  __device__ float length() const;
  __device__ void reset() = delete;
  constexpr __device__ int dims() const { return 2; }
  __device__ virtual void visit() {}

 protected:
  __device__ void helper();

 private:
  int secret;
};

class Box {
  int hidden;

 public:
  __device__ int get() const;
};

union Bits {
  unsigned int u;
  float f;
};

enum class Small : signed char { neg = -2, pos = 7 };
enum class Wide : unsigned long long { big = 0xFFFFFFFFFFFFFFFFull };
enum Plain { p_zero, p_ten = 10 };

typedef int index_t;
typedef Small small_t;
typedef struct {
  int a;
} anon_td;
using real = double;

constexpr int kDims = 2;
constexpr double kHalf = 0.5;
constexpr bool kFlag = false;
constexpr unsigned long long kBig = 18446744073709551615ull;

__device__ Vec operator+(const Vec &a, const Vec &b);
__device__ bool operator==(const Vec &, const Vec &);
__device__ float dot(const Vec &a, const Vec &b);
__device__ void scale(Vec *v, float, float s = 1.5f, int n = kDims + 1);
__device__ void consume(Vec &&v);
__global__ void kernel(float *out, int n);
constexpr int square(int a) { return a * a; }
__host__ __device__ inline float both(float a) { return a; }
__device__ int redeclared(int a, int b = 4);

template <typename T = float, int N = 4, typename... Rest>
__device__ T sum(T first, Rest... rest);

template <typename T, template <typename> class Holder, int... Ns>
struct Pack {
  T value;
  __device__ T get() const;
};

template <typename T>
struct Holder1 {
  T item;
};

template <>
struct Pack<int, Holder1> {
  int special;
};

namespace detail {
__device__ int inner_fn(int);
}  // namespace detail

}  // namespace geo

extern "C" {
__device__ int c_api(int x, ...);
}

// Host / device twins: same signature, two declarations.
__host__ int twin(int a);
__device__ int twin(int a);

MAKE_ADD(add_f, float)
MAKE_ADD(add_i, int)

// The definition of a function declared above (as a .hpp would): one entry, defaults kept.
__device__ int geo::redeclared(int first, int) { return first; }

#if __CUDA_ARCH__ >= 900
__device__ int only_sm90(int a);
struct Sm90Only {
  int z;
};
#endif
