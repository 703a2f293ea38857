"""Class templates whose methods come from bases and partial specialisations (as
cooperative_groups' ``thread_block_tile``), more than ten class templates in one module, and
function templates of one name in nested namespaces (tests/data/nbi_inherit.cuh)."""

from __future__ import annotations

import _codegen_helpers as helpers
import pytest


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    import numbast_core

    config = numbast_core.load_config(helpers.DATA / "nbi_inherit.yml")
    return numbast_core.generate(config, tmp_path_factory.mktemp("inherit"))


def test_methods_come_from_bases_and_partial_specialisations(result):
    classes = {c.python_name: c for c in result.plan.class_templates}
    tile = classes["tile"]
    # size_base's (a static one among them), and both specialisations' of tile_impl
    assert {"rank", "width", "small", "big"} <= set(tile.methods)
    assert tile.mutating == ()  # const methods and a static one write nothing back
    assert tile.fields == ("parent_tag",)


def test_the_less_nested_function_template_keeps_the_name(result):
    names = {t.python_name: t.cxx_name for t in result.plan.function_templates}
    assert names["reduce"] == "::nbi::reduce"
    assert names["nbi_detail_reduce"] == "::nbi::detail::reduce"


def test_kernel_uses_inherited_methods_and_a_twelfth_class_template(result, tmp_path, monkeypatch):
    import numpy as np
    from numba.cuda import types

    monkeypatch.setenv("NUMBAST_CACHE_DIR", str(tmp_path / "cache"))
    m = helpers.import_module(result.path)

    def f(out):
        r = m.root()
        r.tag = 7
        t = m.partition(r, N=32)  # tile<32, root>: its result id is a class template's
        small = m.partition(r, N=4)
        p = m.padded(np.float32(2.5))  # nbi_pad11<float>: the twelfth class template
        out[0] = t.rank() + t.width() + t.big() + small.small() + t.parent_tag
        out[1] = m.reduce(np.int32(5), np.int32(3)) * 10 + m.nbi_detail_reduce(
            np.int32(5), np.int32(3)
        )
        out[2] = np.int32(p.v)

    assert helpers.compile_and_link(f, (types.int32[:],))


def test_result_id_encoding_is_the_same_in_the_cxx_helpers_and_the_runtime():
    """The C++ helpers encode result ids and the runtime's templates section decodes them: the
    two copies of the two numbers must agree (a class id must never reach the pointer step)."""
    import re
    from pathlib import Path

    from numbast_core.render import template_cxx

    section = Path(template_cxx.__file__).parents[1] / "runtime_sections" / "templates.py"
    found = re.search(r"^_POINTER, _CLASS = (\S+), (\S+)", section.read_text(), re.M)
    assert found and (eval(found[1]), eval(found[2])) == (template_cxx.POINTER, template_cxx.CLASS)
    assert f"+ {template_cxx.POINTER}LL;" in template_cxx.TEMPLATE_HELPERS
    assert template_cxx.CLASS * 10**6 < template_cxx.POINTER  # a million class templates fit
