#pragma once
// Class templates reached through bases and partial specialisations (as cooperative_groups'
// thread_block_tile is), more than ten class templates (result ids of class instances must
// not read as pointers), and two function templates of one name in nested namespaces.
template <class T> struct nbi_pad0 { T v; };
template <class T> struct nbi_pad1 { T v; };
template <class T> struct nbi_pad2 { T v; };
template <class T> struct nbi_pad3 { T v; };
template <class T> struct nbi_pad4 { T v; };
template <class T> struct nbi_pad5 { T v; };
template <class T> struct nbi_pad6 { T v; };
template <class T> struct nbi_pad7 { T v; };
template <class T> struct nbi_pad8 { T v; };
template <class T> struct nbi_pad9 { T v; };
template <class T> struct nbi_pad10 { T v; };
template <class T> struct nbi_pad11 { T v; };

namespace nbi {
template <unsigned N, class P> class tile;  // forward declaration first, as cg does

template <unsigned N> struct size_base {
  static __device__ unsigned rank() { return threadIdx.x % N; }
  __device__ unsigned width() const { return N; }
};

namespace detail {
template <unsigned N, class P, bool Big> class tile_impl;
template <unsigned N, class P> class tile_impl<N, P, false> : public size_base<N> {
 public:
  __device__ int small() const { return 1; }
};
template <unsigned N, class P> class tile_impl<N, P, true> : public size_base<N> {
 public:
  __device__ int big() const { return 2; }
};
template <class T> __device__ T reduce(T a, T b) { return a - b; }  // the inner one
}  // namespace detail

template <unsigned N, class P> class tile : public detail::tile_impl<N, P, (N > 8)> {
 public:
  int parent_tag;
};

struct root { int tag; };

template <unsigned N> __device__ tile<N, root> partition(root r) {
  tile<N, root> t;
  t.parent_tag = r.tag;
  return t;
}

template <class T> __device__ T reduce(T a, T b) { return a + b; }  // the public one

template <class T> __device__ nbi_pad11<T> padded(T v) { return nbi_pad11<T>{v}; }
}  // namespace nbi
