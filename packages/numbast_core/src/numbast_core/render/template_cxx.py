"""The C++ that template instances are compiled with, at kernel compile (the module's
``_Templates``) and at generation (``template_probe``, for the config's Template Instances).

A call ``f(a, b)`` is typed by C++ itself: ``__numbast_value<decltype(f(declval<A&>(), ...))>`` is
its result type, and a name expression ``&__numbast_answer<__numbast_list<...>>`` carries
integers back in its mangled name: the result's id (``__numbast_id``: 0 void, i > 0 the i-th
entry of a table of types the module can represent, + POINTER per pointer level, k * CLASS
class template k) and an instance's template arguments (``__numbast_targs``).
"""

from __future__ import annotations

import re

# ids: a table entry (< CLASS), class template k (k * CLASS), + POINTER per pointer level; the
# runtime's templates section decodes them with the same two numbers
POINTER, CLASS = 10**12, 10**5

TEMPLATE_HELPERS = r"""template <class T> struct __numbast_value { using type = T; };
template <class T> struct __numbast_value<T&> : __numbast_value<T> {};
template <class T> struct __numbast_value<T&&> : __numbast_value<T> {};
template <class T> struct __numbast_value<const T> : __numbast_value<T> {};
template <class T> struct __numbast_value<volatile T> : __numbast_value<T> {};
template <class T> struct __numbast_value<const volatile T> : __numbast_value<T> {};
template <class T> __host__ __device__ T&& __numbast_declval() noexcept;
template <long long... V> struct __numbast_list {};
namespace { template <class L> __device__ int __numbast_answer = 0; }
template <class T> struct __numbast_id { static constexpr long long value = -1; };
template <class T> struct __numbast_id<const T> : __numbast_id<T> {};
template <class T> struct __numbast_id<volatile T> : __numbast_id<T> {};
template <class T> struct __numbast_id<T*> {
  static constexpr long long value =
      __numbast_id<T>::value < 0 ? -1 : __numbast_id<T>::value + 1000000000000LL;
};
template <> struct __numbast_id<void> { static constexpr long long value = 0; };
template <class T> struct __numbast_targs { using type = __numbast_list<>; };
template <class R> struct __numbast_store {
  template <class F> __device__ static void run(void* r, F f) {
    ::new (r, __numbast_slot()) R(f());
  }
};
template <> struct __numbast_store<void> {
  template <class F> __device__ static void run(void*, F f) { f(); }
};
// an enum argument arrives as its Numba value, a long long (IntEnum members are int64)
template <class E> struct __numbast_enum {
  long long v;
  __device__ operator E() const { return static_cast<E>(v); }
};
template <bool B> struct __numbast_enable {};
template <> struct __numbast_enable<true> { using type = int; };
template <class A, class B> struct __numbast_same { static constexpr bool value = false; };
template <class A> struct __numbast_same<A, A> { static constexpr bool value = true; };
// raw storage (a kernel's raw_storage(array)) binds to a reference of any type but X (in a
// constructor of X: not a copy), e.g. CUB's TempStorage& in shared memory
template <class X> struct __numbast_storage {
  void* p;
  template <class T, typename __numbast_enable<!__numbast_same<T, X>::value &&
                                               !__numbast_same<T, const X>::value>::type = 0>
  __device__ operator T&() const { return *static_cast<T*>(p); }
};
"""


def id_specializations(table: list[str]) -> str:
    """``__numbast_id<T>::value == i + 1`` for the i-th C++ type of ``table``."""
    return "".join(
        f"template <> struct __numbast_id<{cxx}> {{ static constexpr long long value = {i}; }};\n"
        for i, cxx in enumerate(table, 1)
    )


def answers(mangled: str) -> list[int]:
    """The integers a ``__numbast_answer<__numbast_list<...>>`` name expression carries."""
    inner = mangled.partition("__numbast_list")[2]
    return [int(v.replace("n", "-")) for v in re.findall(r"L[a-z](n?\d+)E", inner)]


def result_expression(call: str) -> str:
    """The using-declaration naming the value type of the C++ expression ``call``."""
    return f"using __numbast_R = typename __numbast_value<decltype({call})>::type;\n"


RESULT_ID = "&__numbast_answer<__numbast_list<__numbast_id<__numbast_R>::value>>"
