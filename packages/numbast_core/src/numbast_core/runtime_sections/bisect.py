# (numbast_core.glue_build imports this file too: generation and run time bisect alike)
# ---- runtime section: bisect (finds the shims that break a glue compile) ----------------------
def _bisect(names, log_of, log):
    """{shim: log} of the shims whose glue fails, when NVRTC's ``log`` for ``names`` blames no
    shim line (an error inside a header). Halves are compiled apart (``log_of(shims)``: NVRTC's
    log, "" when they compile) until each failure is one shim's; shims that fail only together
    are all blamed."""
    if len(names) == 1:
        return {names[0]: log}
    half, found = len(names) // 2, {}
    for part in (names[:half], names[half:]):
        part_log = log_of(part)
        if part_log:
            found.update(_bisect(part, log_of, part_log))
    return found or dict.fromkeys(names, log)
