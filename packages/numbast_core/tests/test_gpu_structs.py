"""GPU: struct operations in Numba kernels equal the same operations in native CUDA C++ (cupy
RawKernel), and the bound layout equals sizeof/offsetof written by a C++ kernel.

On the GPU machine (no libclang): ``NUMBAST_PREGENERATED=DIR`` with modules made by
``pregenerate.py DIR``; without it the modules are generated here.
"""

from __future__ import annotations

import warnings

import _codegen_helpers as helpers
import _struct_helpers
import numpy as np
import pytest

pytestmark = pytest.mark.gpu


def _gpu_or_skip():
    try:
        from numba import cuda

        if not cuda.is_available():
            pytest.skip("no CUDA GPU")
    except Exception as error:  # no driver at all
        pytest.skip(f"no CUDA GPU: {error}")
    cupy = pytest.importorskip("cupy", reason="cupy is needed for the native CUDA C++ oracle")
    return cupy


@pytest.fixture(scope="module")
def cupy():
    return _gpu_or_skip()


@pytest.fixture(scope="module")
def module(tmp_path_factory, cupy):
    folder = _struct_helpers.module_dir(tmp_path_factory)
    return helpers.import_module(folder / "nbt_structs_bindings.py")


def _native(cupy, body, n_out):
    """Run ``body`` (C++ writing out[0..n_out)) in one thread of a native kernel."""
    source = (
        f'#include "{_struct_helpers.HEADER.name}"\n'
        # offsetof without <cstddef> (NVRTC has no C++ standard library here)
        "#define NBT_OFFSETOF(T, f) "
        "((unsigned long long)((const char*)&((T*)64)->f - (const char*)(T*)64))\n"
        f'extern "C" __global__ void k(double* out) {{\n{body}\n}}\n'
    )
    kernel = cupy.RawKernel(
        source,
        "k",
        options=("-std=c++17", f"-I{_struct_helpers.DATA}"),
    )
    out = cupy.zeros(n_out, dtype=cupy.float64)
    kernel((1,), (1,), (out,))
    return out.get()


def test_struct_operations_equal_native_cxx(cupy, module):
    from numba import cuda

    expected = _native(cupy, _struct_helpers.CXX_OPS, 17)
    env = dict(vars(module))
    imports = "from numba.cuda import float32, float64, int8, int32, uint32\n"
    exec(imports + _struct_helpers.NUMBA_OPS, env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kernel = cuda.jit(env["f"])
        out = cuda.to_device(np.zeros(17, dtype=np.float64))
        kernel[1, 1](out)
    np.testing.assert_array_equal(out.copy_to_host(), expected)


LAYOUT = {
    "geo::Vec": ["x", "y", "inner", "arr"],
    "geo::Inner": ["y", "k"],
    "Padded": ["c", "d"],
    "Bits": ["after"],
    "Guard": ["v"],
    "Meters": ["m"],
    "Odd": ["tag"],
    "Poly": ["p"],
}


def test_layout_equals_cxx_sizeof_offsetof(cupy, module):
    from numba.cuda.descriptor import cuda_target

    lines, slots = [], []
    for cxx, fields in LAYOUT.items():
        lines.append(f"out[{len(slots)}] = sizeof({cxx});")
        slots.append((cxx, None))
        for field in fields:
            lines.append(f"out[{len(slots)}] = NBT_OFFSETOF({cxx}, {field});")
            slots.append((cxx, field))
    native = _native(cupy, "\n".join(lines), len(slots))
    context = cuda_target.target_context
    types_by_cxx = {
        getattr(module, name).cxx_name: getattr(module, name)
        for name in dir(module)
        if name.startswith("_type_")
    }
    ours = []
    for cxx, field in slots:
        model = context.data_model_manager[types_by_cxx[cxx]]
        data = model.get_data_type()
        if field is None:
            ours.append(context.get_abi_sizeof(data))
        else:
            index = model._fields.index(field)
            ours.append(data.get_element_offset(context.target_data, index))
    assert ours == [int(x) for x in native]


def test_mutations_equal_native_cxx(cupy, module):
    """Non-const methods, operator[] reads/writes, array elements: Numba equals CUDA C++."""
    from numba import cuda

    n = len(_struct_helpers.MUTATION_RESULTS)
    expected = _native(cupy, _struct_helpers.CXX_MUTATION, n)
    np.testing.assert_array_equal(expected, _struct_helpers.MUTATION_RESULTS)
    env = dict(vars(module))
    exec("from numba import cuda\nfrom numba.cuda import float32, int32\n"
         + _struct_helpers.NUMBA_MUTATION, env)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kernel = cuda.jit(env["f"])
        out = cuda.to_device(np.zeros(n, dtype=np.float64))
        kernel[1, 1](out)
    np.testing.assert_array_equal(out.copy_to_host(), expected)


def test_array_element_receivers_equal_native_cxx(cupy, module):
    """``arr[i].m()``, ``arr[i].x = e``, ``arr[i][j] = e`` with indices known only at run time."""
    from numba import cuda

    cxx = """
  geo::Acc arr[4];
  for (int i = 0; i < 4; ++i) {
    arr[i] = geo::Acc(float(i));
    arr[i].add(float(i), 2);
    arr[i].n = arr[i].take(i) + 1;
    arr[i][i] = 0.25f * i;
    out[i] = arr[i].total();
  }
"""
    expected = _native(cupy, cxx, 4)
    source = """
def f(n, out):
    arr = cuda.local.array(4, _type_Acc)
    for i in range(n):
        arr[i] = Acc(float32(i))
        arr[i].add(float32(i), 2)
        arr[i].n = arr[i].take(i) + 1
        arr[i][i] = float32(0.25) * float32(i)
        out[i] = arr[i].total()
"""
    env = dict(vars(module))
    exec("from numba import cuda\nfrom numba.cuda import float32, int32\n" + source, env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = cuda.to_device(np.zeros(4, dtype=np.float64))
        cuda.jit(env["f"])[1, 1](np.int32(4), out)
    np.testing.assert_array_equal(out.copy_to_host(), expected)
