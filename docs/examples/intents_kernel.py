# Calls to functions whose reference parameters have intents (docs/examples/intents.yml);
# generate the module with `numbast generate docs/examples/intents.yml -o out` (out/mylib.py).
from numba import cuda
from out.mylib import accumulate, div_rem, minmax, store, twice


@cuda.jit
def use_intents(acc, dst, ints, floats):
    # acc and dst are pointers to int32 (types.CPointer(int32)); ints and floats are arrays.
    x = ints[0]
    ints[1] = twice(x)  # const int& parameter: an ordinary `in` argument
    accumulate(acc, x)  # inout_ptr: *acc += x through the pointer
    store(dst, x)  # out_ptr: *dst = 7 * x
    q, r = div_rem(x, 3)  # out_return: the C++ result, then the out parameter
    ints[2] = q
    ints[3] = r
    lo, hi = minmax(floats[0], floats[1])  # two out_return parameters, no C++ result
    floats[2] = lo
    floats[3] = hi
