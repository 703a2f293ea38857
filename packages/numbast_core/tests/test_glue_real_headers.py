"""Glue that compiles what real headers declare: each behaviour on a small header of its own,
generated and compiled+linked for sm_90 on the CPU (NVRTC + nvJitLink, no GPU)."""

from __future__ import annotations

from pathlib import Path

import pytest

GLUE = Path(__file__).resolve().parent / "data" / "glue"


def bind(tmp_path: Path, header: str, extra: str = "", **options):
    """Generate bindings of ``data/glue/<header>`` into ``tmp_path``."""
    import numbast_core

    stem = header.removesuffix(".cuh")
    config = tmp_path / f"{stem}.yml"
    config.write_text(
        f"Entry Point: {GLUE / header}\nFile List: [{GLUE / header}]\nGPU Arch: [sm_90]\n"
        f"Output Name: {stem}_bindings.py\n{extra}"
    )
    return numbast_core.generate(numbast_core.load_config(config), tmp_path / "out", **options)


def check(result):
    """Compile+link every bound callable; returns the report (all failures in its message)."""
    from numbast_core.check import check_module

    report = check_module(result.path, result.plan, "sm_90")
    assert not report.failed, "\n".join(f"{f.python_name}: {f.error[:600]}" for f in report.failed)
    return report


def test_results_are_constructed_in_place(tmp_path):
    """A struct whose operator= is deleted is still returned, constructed and added."""
    result = bind(tmp_path, "no_assign.cuh")
    names = {call.python_name for call in result.plan.callables()}
    assert {"make_no_assign", "NoAssign", "operator.add"} <= names, names
    assert check(result).ok_count == 5


def test_width_typedefs_are_spelled_as_declared(tmp_path):
    """`uint64_t*` is `unsigned long long*` under NVRTC, not the parse's `unsigned long*`."""
    result = bind(tmp_path, "widths.cuh")
    text = result.path.read_text()
    assert "uint64_t * const* a0" in text and "my_barrier_t * const* a0" in text
    assert check(result).ok_count == 4


def test_builtin_names_are_kept(tmp_path):
    """`next` and `sum` keep their C++ names, and the runtime still works around them (a method
    call passing an inout receiver goes through the runtime's argument loop); `len`, which the
    runtime reads, gets a suffix."""
    import _codegen_helpers as helpers
    from numba.cuda import types

    result = bind(tmp_path, "builtin_names.cuh")
    names = {f.python_name for f in result.plan.functions}
    assert {"next", "sum", "len_"} <= names, names
    module = helpers.import_module(result.path)
    env = {"next": module.next, "sum": module.sum, "Counter": module.Counter}
    exec(
        "def kernel(x, out):\n"
        "    c = Counter(x)\n"
        "    out[0] = sum(float(next(x)), float(c.next()))\n",
        env,
    )
    helpers.compile_and_link(env["kernel"], [types.int32, types.float32[:]], types.void)
    check(result)


def test_declarations_that_cannot_work_are_skipped_with_the_reason(tmp_path):
    result = bind(tmp_path, "unusable.cuh")
    reasons = {s.cxx_name: s.reason for s in result.plan.skipped}
    never = "declared but never defined in the headers: nothing to link against"
    assert reasons["declared_only"] == never
    assert reasons["Half::declared_member"] == never
    assert reasons["twice"].startswith("explicit specialisation of a function template")
    bound = {(call.python_name, call.member) for call in result.plan.callables()}
    assert {("defined_later", ""), ("Half", "get")} <= bound, bound
    check(result)


def test_invalid_declaration_is_skipped_not_bound_as_clang_guessed(tmp_path):
    """`void foo(__float256 b)`: clang recovers with `int b`; it is skipped, never `foo(int)`."""
    result = bind(tmp_path, "invalid_type.cuh", bypass_parse_error=True)
    reasons = {s.cxx_name: s.reason for s in result.plan.skipped}
    assert reasons["foo"].startswith("invalid declaration: clang reported an error in it")
    assert [f.python_name for f in result.plan.functions] == ["ok"]


def test_operators_on_vector_types_are_bound(tmp_path):
    """`float2 + float2` is bound (numba-cuda types no operator on vector types: see
    test_numba_facts) and used in a kernel."""
    import _codegen_helpers as helpers
    from numba import cuda
    from numba.cuda import types

    result = bind(tmp_path, "vector_ops.cuh")
    assert {op.label for op in result.plan.operators} == {"operator.add", "operator.mul"}
    module = helpers.import_module(result.path)
    assert module  # its operators are registered on import

    def kernel(out, x):
        v = cuda.float32x2(x, 2.0) + cuda.float32x2(1.0, x) * x
        out[0] = v.x + v.y

    helpers.compile_and_link(kernel, [types.float32[:], types.float32], types.void)
    check(result)


def test_struct_with_bool_fields_stores_as_bytes(tmp_path):
    """A struct holding `bool`s is stored whole (through a pointer, into a C++ slot) and its
    bool fields read and write as booleans."""
    import _codegen_helpers as helpers
    from numba.cuda import types

    result = bind(tmp_path, "bool_fields.cuh")
    check(result)  # returns Flags through a pointer: i1 fields did not store into i8 slots
    module = helpers.import_module(result.path)
    env = {"Flags": module.Flags, "is_on": module.is_on}
    exec(
        "def kernel(out, x):\n"
        "    f = Flags(x)\n"
        "    f.off = not f.on\n"
        "    out[0] = is_on(f.set(x)) and f.off == (x <= 0)\n",
        env,
    )
    helpers.compile_and_link(env["kernel"], [types.uint8[:], types.int32], types.void)


def test_struct_with_a_bool_array_field_stores_as_bytes(tmp_path):
    """`bool bits[3]` is bytes in the struct (a whole Mask stores through a pointer: it failed
    with `cannot store {[3 x i1], i32} to {[3 x i8], i32}*`) and a tuple of booleans when read."""
    import _codegen_helpers as helpers
    from numba.cuda import types

    result = bind(tmp_path, "bool_fields.cuh")
    check(result)
    module = helpers.import_module(result.path)
    env = {"mask_of": module.mask_of}
    exec(
        "def kernel(out, x):\n"
        "    m = mask_of(x)\n"
        "    bits = m.bits\n"
        "    out[0] = bits[0] and not bits[1]\n",
        env,
    )
    helpers.compile_and_link(env["kernel"], [types.uint8[:], types.int32], types.void)


BY_REFERENCE_KERNEL = """
def kernel(out, states, seed):
    s = State()
    state_init(seed, s)  # State*: a variable, written back
    a = state_next(s)  # State&
    b = state_next(s)
    state_init(seed, states[1])  # an array element, stored back
    c = state_next(states[1])
    t = State()
    state_init(seed + 1, t)
    state_swap(s, t)  # two arguments written back
    out[0] = a
    out[1] = b
    out[2] = c
    out[3] = state_peek(t)
    out[4] = float32(s.counter)
"""


def by_reference_kernel(tmp_path):
    import _codegen_helpers as helpers
    from numba.cuda import types

    result = bind(tmp_path, "by_reference.cuh")
    module = helpers.import_module(result.path)
    env = {n: getattr(module, n) for n in ("State", "state_init", "state_next", "state_peek")}
    env["state_swap"], env["float32"] = module.state_swap, types.float32
    exec(BY_REFERENCE_KERNEL, env)
    argtypes = [types.float32[:], types.Array(module._type_State, 1, "C"), types.uint32]
    return result, module, env["kernel"], argtypes


def test_structs_pass_by_reference_from_variables_and_array_elements(tmp_path):
    """`T&` / `T*` parameters to a bound struct take a variable or an array element (written
    back), pointer arguments still work, and a temporary is refused with a clear error."""
    import _codegen_helpers as helpers
    from numba.cuda import types

    result, module, kernel, argtypes = by_reference_kernel(tmp_path)
    init = next(f for f in result.plan.functions if f.python_name == "state_init")
    assert [[p.mode for p in o.params] for o in init.overloads] == [["in", "in"], ["in", "inout"]]
    helpers.compile_and_link(kernel, argtypes, types.void)
    check(result)  # the pointer overload too
    env = {"State": module.State, "state_next": module.state_next}
    exec("def temporary(out):\n    out[0] = state_next(State())\n", env)
    with pytest.raises(Exception, match="of a temporary struct value"):
        helpers.compile_and_link(env["temporary"], [types.float32[:]], types.void)


def test_curand_works_with_no_intrinsic(tmp_path):
    """conformance/configs/curand_kernel.yml: a local state and a state in an array element
    are initialised and drawn from by reference (compile+link for sm_90)."""
    import _codegen_helpers as helpers
    import numbast_core
    from numba.cuda import types

    config = Path(__file__).resolve().parents[3] / "conformance" / "configs" / "curand_kernel.yml"
    result = numbast_core.generate(numbast_core.load_config(config), tmp_path)
    module = helpers.import_module(result.path)
    names = ("curandStatePhilox4_32_10_t", "curand_init", "curand_normal", "curand_uniform")
    env = {name: getattr(module, name) for name in names}
    env["cuda"] = __import__("numba").cuda
    env["StateType"] = module._type_curandStatePhilox4_32_10
    exec(
        "def kernel(out, seed, sub, off):\n"
        "    s = curandStatePhilox4_32_10_t()\n"
        "    curand_init(seed, sub, off, s)\n"
        "    x = curand_normal(s)\n"
        "    states = cuda.local.array(2, StateType)\n"
        "    curand_init(seed, sub, off, states[1])\n"
        "    out[0] = x + curand_uniform(states[1])\n",
        env,
    )
    argtypes = [types.float32[:], types.uint64, types.uint64, types.uint64]
    helpers.compile_and_link(env["kernel"], argtypes, types.void)


def test_std_width_typedefs_are_spelled_as_declared(tmp_path):
    """`std::int64_t` by value beside `std::int32_t`: spelled `long` (clang's glibc type) the
    shim's call was ambiguous under NVRTC, where it is `long long`."""
    result = bind(tmp_path, "std_widths.cuh")
    text = result.path.read_text()
    assert "std::int64_t const* a0" in text and "std::uint64_t* r" in text
    assert "long const* a0" not in text
    assert check(result).ok_count == 4


def test_std_widths_written_inside_a_namespace_compile_at_the_glues_global_scope(tmp_path):
    """`std::uint64_t` inside `namespace cuda` is libcu++'s `cuda::std`: the glue, at global
    scope, includes the `<cstdint>` forwarder so that the same spelling names the same type."""
    result = bind(tmp_path, "relative_std.cuh")
    text = result.path.read_text()
    assert "std::uint64_t* r" in text and "#include <cstdint>" in text
    assert check(result).ok_count == 2


def test_statics_through_a_value_and_isinstance_of_a_struct(tmp_path):
    """`t.twice(3)` calls the static `Tick::twice` (as C++ allows: cooperative_groups code
    writes `block.sync()`); `isinstance(t, Tick)` is True and `isinstance(t, Tock)` False in a
    kernel (numba-cuda's own isinstance refuses a struct's Python name: it is a function)."""
    import re

    import _codegen_helpers as helpers
    from numba import cuda
    from numba.cuda import types

    result = bind(tmp_path, "struct_names.cuh")
    module = helpers.import_module(result.path)
    env = {"make_tick": module.make_tick, "Tick": module.Tick, "Tock": module.Tock}
    exec(
        "def kernel(x, out):\n"
        "    t = make_tick(x)\n"
        "    out[0] = t.twice(x)\n"
        "    out[1] = 1000 + 7 * isinstance(t, Tick) + 11 * isinstance(t, Tock)\n",
        env,
    )
    helpers.compile_and_link(env["kernel"], [types.int32, types.int32[:]], types.void)
    ptx, _ = cuda.compile_ptx(env["kernel"], (types.int32, types.int32[:]), cc=(9, 0))
    assert re.search(r"\b1007;", ptx) and not re.search(r"\b10(11|18);", ptx), ptx
