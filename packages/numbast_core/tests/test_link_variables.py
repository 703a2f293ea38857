"""A ``__device__`` variable of a bound header that no kernel reads stays in the linked cubin,
so a Module Callback can find it by name (NVSHMEM's setup looks up its device state that way).
Upstream Numbast's ``Module Link Variables Used`` asks the linker to keep such variables; this
generator accepts the key and needs it not: numba-cuda links without nvJitLink's
``-optimize-unused-variables``. If a numba-cuda release starts removing them, this fails."""

from __future__ import annotations

import _codegen_helpers as helpers


def test_unread_device_variable_survives_linking(tmp_path):
    import numbast_core
    from numba.cuda import types

    config = numbast_core.load_config(helpers.DATA / "link_vars.yml")
    result = numbast_core.generate(config, tmp_path, format=False)
    module = helpers.import_module(result.path)

    def kernel(out):
        out[0] = module.lv_one()

    cubin = helpers.compile_and_link(kernel, (types.int32[:],), types.void).library.get_cubin(
        cc=(9, 0)
    )
    data = bytes(getattr(cubin, "code", cubin))
    assert b"lv_one" not in data  # inlined by LTO: the check below can tell kept from not
    assert b"lv_state_d" in data
