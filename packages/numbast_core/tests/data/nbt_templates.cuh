// Templates of each form numbast binds (and some it skips), for tests/test_templates*.py.
#pragma once

struct nbt_pair {
  float a;
  float b;
};

// ---- function templates --------------------------------------------------------------------
template <typename T>
__device__ T nbt_clampv(T x, T lo, T hi) { return x < lo ? lo : (x > hi ? hi : x); }

// the same, not a template (bench/first_kernel_templates.py compares the two)
__device__ inline float nbt_clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

// an auto return: the result type comes from the instantiation
template <typename T>
__device__ auto nbt_twice(T x) { return x + x; }

// a decltype return over two deduced parameters
template <typename A, typename B>
__device__ auto nbt_mul(A a, B b) -> decltype(a * b) { return a * b; }

// only explicit: R cannot be deduced
template <typename R, typename T>
__device__ R nbt_convert(T x) { return static_cast<R>(x); }

// a non-type parameter, given by keyword
template <int N, typename T>
__device__ T nbt_scale(T x) { return x * N; }

// a bound struct through a template, and a pointer argument
template <typename T>
__device__ float nbt_sum_of(T p) { return p.a + p.b; }

template <typename T>
__device__ T nbt_load(const T* p, int i) { return p[i]; }

// overloaded with a non-template: C++ overload resolution picks
__device__ inline int nbt_pick(int x) { return x + 1000; }
template <typename T>
__device__ T nbt_pick(T x) { return x - 1; }

// ---- class templates -----------------------------------------------------------------------
template <typename T>
struct nbt_box {
  T value;
  __device__ nbt_box() : value(0) {}
  __device__ explicit nbt_box(T v) : value(v) {}
  __device__ T get() const { return value; }
  __device__ T plus(T x) const { return value + x; }
  __device__ void add(T x) { value += x; }
  template <typename U>
  __device__ U to() const { return static_cast<U>(value); }
};

template <typename T>
__device__ nbt_box<T> operator+(const nbt_box<T>& a, const nbt_box<T>& b) { return nbt_box<T>(a.value + b.value); }

template <typename T, int N>
struct nbt_arr {
  T data[N];
  int count;
  __device__ nbt_arr() : count(N) { for (int i = 0; i < N; ++i) data[i] = T(i); }
  __device__ T sum() const { T s = 0; for (int i = 0; i < N; ++i) s += data[i]; return s; }
  __device__ int size() const { return N; }
};

// deduced from the constructor (C++17 CTAD)
template <typename T>
struct nbt_acc {
  T total;
  int n;
  __device__ nbt_acc(T first) : total(first), n(1) {}
  __device__ T mean() const { return total / n; }
};

// ---- forms that are skipped, with their reason ----------------------------------------------
template <typename... Ts>
__device__ int nbt_count(Ts... xs) { return sizeof...(Ts); }

template <template <typename> class C, typename T>
__device__ T nbt_unwrap(C<T> c) { return c.value; }


// a member function template of an ordinary struct: skipped, with the reason
struct nbt_plain {
  int v;
  template <typename U>
  __device__ U as() const { return static_cast<U>(v); }
};
