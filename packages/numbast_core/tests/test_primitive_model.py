"""``Types: X: Number`` + ``Data Models: X: PrimitiveModel``: a struct whose layout is one scalar
(or opaque bytes of an integer's size) is that scalar in Numba, with its constructors,
conversions, operators, methods and fields (issue 15). CPU: compiled and linked for sm_90."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DATA = Path(__file__).resolve().parent / "data" / "primitive"


@pytest.fixture(scope="module")
def primitive(tmp_path_factory):
    import numbast_core

    out = tmp_path_factory.mktemp("primitive")
    return numbast_core.generate(numbast_core.load_config(DATA / "nbt_primitive.yml"), out)


@pytest.fixture(scope="module")
def module(primitive):
    from _codegen_helpers import import_module

    return import_module(primitive.path)


def test_plan_keeps_the_model_and_the_one_field(primitive):
    structs = {s.cxx_name: s for s in primitive.plan.structs}
    celsius, code = structs["Celsius"], structs["Code8"]
    assert (celsius.model, celsius.parent, celsius.size) == ("PrimitiveModel", "Number", 4)
    assert [(f.name, f.offset, f.size) for f in celsius.fields] == [("degrees", 0, 4)]
    assert [(f.name, f.offset, f.size) for f in code.fields] == [(None, 0, 1)]  # private byte
    assert structs["Pair"].model is None


def test_numba_values_are_the_scalar_itself(module):
    from llvmlite import ir
    from numba.cuda.datamodel import PrimitiveModel
    from numba.cuda.models import cuda_data_manager

    celsius = cuda_data_manager.lookup(module._type_Celsius)
    code = cuda_data_manager.lookup(module._type_Code8)
    assert isinstance(celsius, PrimitiveModel) and isinstance(code, PrimitiveModel)
    assert celsius.get_value_type() == ir.FloatType()
    assert code.get_value_type() == ir.IntType(8)


def test_constructors_conversions_operators_methods_fields_compile_and_link(module):
    from _codegen_helpers import compile_and_link
    from numba.cuda import types

    Celsius, Code8, total, Pair = module.Celsius, module.Code8, module.total, module.Pair

    def kernel(out, codes):
        c = Celsius(1.5)
        c.degrees = c.degrees + 1.0  # a field write rebinds the value
        c.warm(2.0)  # a non-const method updates it in place
        hot = c + Celsius(10.0)
        out[0] = c.kelvin()
        out[1] = types.float32(hot)
        out[2] = c.degrees
        out[3] = Celsius().degrees
        codes[0] = Code8(5).value()
        codes[1] = total(Pair())

    cres = compile_and_link(kernel, (types.float32[:], types.int32[:]), types.void)
    assert cres.signature.args == (types.float32[:], types.int32[:])


def test_primitive_model_on_a_struct_of_two_fields_is_a_config_error(tmp_path):
    import numbast_core

    mapping = yaml.safe_load((DATA / "nbt_primitive.yml").read_text())
    mapping["Data Models"]["Pair"] = "PrimitiveModel"
    config = numbast_core.Config.from_dict(mapping, DATA)
    with pytest.raises(numbast_core.ConfigError) as caught:
        numbast_core.generate(config, tmp_path)
    message = str(caught.value)
    assert "Data Models.Pair: PrimitiveModel needs a struct whose layout is one scalar" in message
    assert "a at 0, b at 4" in message
    assert not list(tmp_path.iterdir())  # nothing written
