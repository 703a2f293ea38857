// Structs and operators for the struct/operator binding tests (test_structs.py and
// test_gpu_structs.py). Every kind of member the generator must bind or skip appears here.
#pragma once

namespace geo {

struct Inner {
  float y;
  int k;
};

struct Vec {
  float x;
  float y;
  Inner inner;
  float arr[3];

  __device__ Vec() : x(0.0f), y(0.0f), inner{0.0f, 0}, arr{0.0f, 0.0f, 0.0f} {}
  __device__ Vec(float x_, float y_ = 10.0f)
      : x(x_), y(y_), inner{x_ * y_, 7}, arr{x_, y_, x_ + y_} {}

  // const method
  __device__ float dot(const Vec &o) const { return x * o.x + y * o.y; }
  __device__ float norm2() const { return x * x + y * y; }
  // non-const (mutating) method
  __device__ void scale(float s) { x *= s; y *= s; }
  // static factory
  __device__ static Vec make(float v) { return Vec(v, 2.0f * v); }
  // member operators
  __device__ Vec operator-(const Vec &o) const { return Vec(x - o.x, y - o.y); }
  __device__ Vec operator-() const { return Vec(-x, -y); }
  __device__ Vec &operator+=(const Vec &o) { x += o.x; y += o.y; return *this; }
  __device__ bool operator==(const Vec &o) const { return x == o.x && y == o.y; }
  // read-only indexing: v[i]
  __device__ float operator[](int i) const { return i == 0 ? x : y; }
  // no Python equivalent
  __device__ Vec &operator=(const Vec &o) = default;
};

// mutating methods (void, returning a value, returning *this), overloads, default arguments,
// const and non-const operator[]
struct Acc {
  float v[4];
  float sum;
  int n;
  __device__ Acc() : v{0.0f, 0.0f, 0.0f, 0.0f}, sum(0.0f), n(0) {}
  __device__ Acc(float a) : v{a, a + 1.0f, a + 2.0f, a + 3.0f}, sum(0.0f), n(0) {}
  __device__ void add(float x) { sum += x; ++n; }
  __device__ void add(float x, int times, float scale = 0.5f) {
    for (int i = 0; i < times; ++i) add(x * scale);
  }
  __device__ int take(int by = 1) { int old = n; n += by; return old; }
  __device__ Acc &push(float x) { add(x); return *this; }
  __device__ float total() const { return v[0] + v[1] + v[2] + v[3] + sum + n; }
  __device__ const float &operator[](int i) const { return v[i & 3]; }
  __device__ float &operator[](int i) { return v[i & 3]; }
};

__device__ inline Acc make_acc(float a) { return Acc(a); }

// free operators
__device__ inline Vec operator+(const Vec &a, const Vec &b) { return Vec(a.x + b.x, a.y + b.y); }
__device__ inline Vec operator*(const Vec &a, float s) { return Vec(a.x * s, a.y * s); }
__device__ inline bool operator!=(const Vec &a, const Vec &b) { return !(a == b); }
__device__ inline Vec &operator*=(Vec &a, float s) { a.x *= s; a.y *= s; return a; }
// free operator on builtin operands only: must never be offered to builtin arithmetic
__device__ inline int free_fn(int a) { return a + 1; }

} // namespace geo

// private fields and padding (char then double: 7 bytes of padding)
class Padded {
public:
  char c;
  double d;
  __device__ Padded(char c_, double d_, int secret_) : c(c_), d(d_), secret(secret_), tail(9) {}
  __device__ int get_secret() const { return secret; }
  __device__ short get_tail() const { return tail; }

private:
  int secret;
  short tail;
};

// bitfields
struct Bits {
  unsigned a : 3;
  unsigned b : 5;
  unsigned c : 12;
  int after;
  __device__ Bits(unsigned a_, unsigned b_, unsigned c_) : a(a_), b(b_), c(c_), after(-1) {}
  __device__ unsigned sum() const { return a + b + c; }
};

// a user destructor: the struct is still bound
struct Guard {
  int v;
  __device__ Guard(int v_) : v(v_) {}
  __device__ ~Guard() {}
  __device__ int get() const { return v; }
};

// conversions: implicit (to float) and explicit (to double); implicit and explicit ctors
struct Meters {
  float m;
  __device__ Meters(float v) : m(v) {}            // implicit converting ctor
  __device__ explicit Meters(int v) : m(v * 1000.0f) {}  // explicit converting ctor
  __device__ operator float() const { return m; }  // implicit conversion
  __device__ explicit operator double() const { return m * 2.0; }  // explicit conversion
};

// a union member, an anonymous member, a deleted member, a virtual function
struct Odd {
  int tag;
  union {
    int i;
    float f;
  };
  struct {
    short lo, hi;
  } pair;
  __device__ Odd(int t) : tag(t), i(t) { pair.lo = 1; pair.hi = 2; }
  __device__ int twice_tag() const { return 2 * tag; }
  __device__ int nope() const = delete;
};

struct Poly {
  int p;
  __device__ Poly(int p_) : p(p_) {}
  __device__ virtual int value() const { return p; }
  __device__ int plain() const { return p + 1; }
};

// functions taking a bound struct or a float: implicit conversions at call sites
__device__ inline float vec_sum(geo::Vec v) { return v.x + v.y; }
__device__ inline float meters_value(Meters m) { return m.m; }
__device__ inline float twice_f(float x) { return 2.0f * x; }
