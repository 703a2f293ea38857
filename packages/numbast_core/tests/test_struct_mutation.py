"""Non-const methods, ``operator[]`` reads and writes, and writes through array elements
(tests/data/structs/nbt_structs.cuh, struct geo::Acc; CPU: plan, compile+link for sm_90).

Results are checked on the CPU by linking with LTO: every step of the kernel is a constant, so
the linked PTX stores the final values as immediates, which must equal the C++ results. On a
GPU, test_gpu_structs.py compares the same kernel with native CUDA C++.
"""

from __future__ import annotations

import re
import struct
import warnings

import _codegen_helpers as helpers
import _struct_helpers
import pytest
from numbast_core.plan.refs import Scalar, StructRef
from numbast_core.plan.shims import ShimKind
from numbast_core.render import glue

ACC = StructRef("geo::Acc", "Acc")

GLOBAL, SEPARATE = "nbt_structs_bindings", "nbt_structs_separate"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return _struct_helpers.generate_all(tmp_path_factory.mktemp("structs"))


@pytest.fixture(scope="module")
def plan(generated):
    return generated[GLOBAL].plan


@pytest.fixture(scope="module")
def module(generated):
    return helpers.import_module(generated[GLOBAL].path)


def _compile(module, source, argtypes):
    from numba.cuda import types

    env = dict(vars(module))
    exec("from numba import cuda\nfrom numba.cuda import float32, int32\n" + source, env)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return helpers.compile_and_link(env["f"], argtypes, types.void)


def _stored_doubles(ptx: str) -> dict[int, float]:
    """{byte offset: value} of the 64-bit immediates a folded kernel stores through ``out``."""
    moves = dict(re.findall(r"mov\.[ubf]64\s+(%\w+),\s*(-?\d+|0d[0-9A-Fa-f]{16});", ptx))
    stores = re.findall(r"st(?:\.global)?\.[ubf]64\s+\[%rd\d+(?:\+(\d+))?\],\s*([^;]+);", ptx)
    found = {}
    for offset, value in stores:
        value = moves.get(value, value)
        bits = int(value[2:], 16) if value.startswith("0d") else int(value) % 2**64
        found[int(offset or 0)] = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return found


# ---- plan -------------------------------------------------------------------------------------


def test_non_const_methods_are_bound_with_an_updated_receiver(plan):
    structs = {s.python_name: s for s in plan.structs}
    acc = dict(structs["Acc"].methods)
    # add(x), add(x, times, scale), add(x, times) from the default; take(by), take()
    assert [len(o.params) for o in acc["add"]] == [2, 4, 3]
    assert [len(o.params) for o in acc["take"]] == [2, 1]
    assert [o.result for o in acc["push"]] == [ACC]  # Acc& push(): a copy of *this
    for name in ("add", "take", "push"):
        assert {o.params[0].mode for o in acc[name]} == {"inout"}
    assert acc["total"][0].params[0].mode == "in"  # const: the receiver is only read
    scale = dict(structs["Vec"].methods)["scale"][0]
    assert scale.params[0].mode == "inout"
    assert "(::geo::Vec* self, float const* a0) { (*self).scale(*a0); }" in glue(scale)
    assert scale.spec.kind is ShimKind.METHOD and scale.spec.callee == "scale"
    assert not [s for s in plan.skipped if "non-const" in s.reason or "operator[]" in s.cxx_name]


def test_operator_index_reads_and_writes(plan):
    structs = {s.python_name: s for s in plan.structs}
    assert structs["Vec"].item_setters == ()  # only a const operator[]: reads only
    (setter,) = structs["Acc"].item_setters
    assert setter.result == ACC
    assert [(p.mode, p.type) for p in setter.params] == [
        ("in", ACC),
        ("in", Scalar("int32")),
        ("in", Scalar("float32")),
    ]
    assert setter.spec.kind is ShimKind.SET_ITEM
    assert "__numbast_slot()) ::geo::Acc(*self); (*r)[*a0] = *value; }" in glue(setter)
    reads = next(o for o in plan.operators if o.label == "operator.getitem").overloads
    assert [o.result for o in reads] == [Scalar("float32"), Scalar("float32")]
    rows = {(r.kind, r.cxx_name, r.status) for r in plan.rows()}
    assert ("operator", "const float & geo::Acc::operator[](int i)", "bound") in rows


# ---- results --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [GLOBAL, SEPARATE])
def test_mutations_give_the_cxx_results(generated, name):
    """v.m(), a[i] = x, arr[i].m(), arr[i].x += e, loops: linked PTX stores the C++ results."""
    from numba.cuda import types

    mod = helpers.import_module(generated[name].path)
    if name == SEPARATE:
        mod.install()
    cres = _compile(mod, _struct_helpers.NUMBA_MUTATION, (types.CPointer(types.float64),))
    ptx = cres.library.get_lto_ptx(cc=(9, 0))
    assert "call" not in ptx  # every shim inlined
    expected = _struct_helpers.MUTATION_RESULTS
    assert _stored_doubles(ptx) == {8 * i: value for i, value in enumerate(expected)}


ARRAY_ARGUMENT = """
def f(arr, grid, i, x):
    arr[i].add(x)
    arr[i + 1].n = int32(3)
    arr[i + 2][1] = x
    grid[i, 0].scale(x)
    grid[1, i].x += x
"""


def test_receivers_in_array_arguments_are_stored_back(module):
    """Without the store back, the kernel would only change copies: LTO would leave it empty."""
    from numba.cuda import types

    acc = types.Array(module._type_Acc, 1, "C")
    vec = types.Array(module._type_Vec, 2, "C")
    cres = _compile(module, ARRAY_ARGUMENT, (acc, vec, types.int64, types.float32))
    ptx = cres.library.get_lto_ptx(cc=(9, 0))
    assert "call" not in ptx
    # Acc.sum and .n, Acc.n, Acc.v[1], Vec.x and .y, Vec.x: seven stores to global memory
    assert len(re.findall(r"\bst\.global\.", ptx)) == 7
    assert len(re.findall(r"\bmul\.f32\b", ptx)) == 2  # scale: x *= s; y *= s


# ---- refused, with a reason ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "statements, message",
    [
        ("make_acc(float32(1.0)).add(float32(1.0))", "call non-const method 'add'"),
        ("a.push(float32(1.0)).push(float32(2.0))", "call non-const method 'push'"),
        ("t = (a, a)\n    t[0].add(float32(1.0))", "call non-const method 'add'"),
        ("Acc(float32(1.0))[0] = float32(2.0)", "assign an item"),
        ("t = (a, a)\n    t[1].n = int32(2)", "assign field 'n'"),
    ],
)
def test_writes_to_temporaries_are_refused(module, statements, message):
    from numba.cuda import types

    source = f"def f(out):\n    a = Acc()\n    {statements}\n    out[0] = a.sum\n"
    with pytest.raises(Exception, match=f"cannot {message} of a temporary struct value"):
        _compile(module, source, (types.float32[:],))


def test_const_operator_index_is_read_only(module):
    import numba.core.errors
    import numba.cuda.core.errors
    from numba.cuda import types

    source = "def f(out):\n    v = Vec()\n    v[0] = float32(1.0)\n    out[0] = v[0]\n"
    errors = (numba.core.errors.TypingError, numba.cuda.core.errors.TypingError)
    with pytest.raises(errors, match="setitem"):
        _compile(module, source, (types.float32[:],))


def test_fixed_array_fields_are_written_whole(module):
    """`v.arr = (a, b, c)` rebinds v; the linked PTX stores the new v.arr[1] (5.0f)."""
    from numba.cuda import types

    source = (
        "def f(out):\n    v = Vec(float32(1.0))\n"
        "    v.arr = (float32(4.0), float32(5.0), float32(6.0))\n    out[0] = v.arr[1]\n"
    )
    ptx = _compile(module, source, (types.float32[:],)).library.get_lto_ptx(cc=(9, 0))
    assert "1084227584" in ptx and "call" not in ptx  # 0x40A00000 == 5.0f
