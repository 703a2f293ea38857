# ruff: noqa: F821 (a section of the generated module: core's imports and names precede it)
# ---- runtime section: glue (the C++ glue, linked per GPU arch) --------------------------------
# The shims are split into chunks (sorted by name), so a kernel links only the chunks of the
# shims it calls. Per arch, a chunk's LTO-IR comes from the sidecar file that `numbast generate`
# wrote next to this module (checked against its SHA-256), else from NVRTC.
import hashlib as _hashlib
import os as _os
import threading as _threading
import warnings as _warnings


class GlueCompileError(_NumbaError):
    """The C++ glue of a binding did not compile with NVRTC (or not for the kernel's arch)."""


def _cuda_include_dirs():
    from cuda import pathfinder

    cccl = pathfinder.locate_nvidia_header_directory("cccl")
    found = [pathfinder.find_nvidia_header_directory("cudart"), cccl and cccl.abs_path]
    if found[0] and not _os.path.isdir(_os.path.join(found[0], "crt")):  # no nvidia-cuda-crt
        found.append(pathfinder.find_nvidia_header_directory("nvcc"))  # wheel: nvcc's crt/
    return [d for d in found if d]


def _compiling_arch(default):
    """The arch of the kernel being compiled (numba-cuda's compile flags), else ``default``."""
    cc = getattr(_targetconfig.ConfigStack.top_or_none(), "compute_capability", None)
    return f"sm_{cc[0]}{cc[1]}{''.join(map(str, cc[2:]))}" if cc else default


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _linker_accepts(nvrtc_version):
    """nvJitLink links LTO-IR from an NVRTC no newer than itself."""
    try:
        from cuda.bindings import nvjitlink

        return nvrtc_version is None or tuple(nvjitlink.version()) >= tuple(nvrtc_version)
    except Exception:  # no nvJitLink: numba-cuda says so when it links
        return True


class _Glue:
    """The module's C++ glue: LTO-IR per (kernel arch, chunk), made on first use.

    ``archs``: the archs the module was generated for. ``include_dirs``: absolute, relative to
    the module's folder (``origin``: its ``__file__``), or ``cuda:<dir>`` under the CUDA headers.
    ``headers``: {include name: text} given to NVRTC in memory. ``only``: {shim: archs} for shims
    declared on some archs only. ``precompiled``: {arch: (file, sha256, chunk sizes, shims not
    compiled)} made by NVRTC ``nvrtc`` (major, minor). ``sources``: {header relative to the
    module: sha256} at generation."""

    def __init__(
        self, prelude, shims, archs, include_dirs=(), setup=None, teardown=None, headers=None,
        *, origin=None, suffix=None, chunk_size=0, only=None, precompiled=None, nvrtc=None,
        sources=None,
    ):  # fmt: skip
        self.prelude, self.shims, self.setup, self.teardown = prelude, dict(shims), setup, teardown
        self.archs = (archs,) if isinstance(archs, str) else tuple(archs)
        self.arch, self.include_dirs = self.archs[0], tuple(map(str, include_dirs))
        self.origin = _os.path.dirname(_os.path.abspath(origin)) if origin else ""
        self.only, self.precompiled = dict(only or {}), dict(precompiled or {})
        self.nvrtc, self.sources, self.headers = nvrtc, dict(sources or {}), dict(headers or {})
        names = sorted(self.shims)
        # one chunk when there are callbacks: every chunk's LTO-IR object would run them
        size = chunk_size if chunk_size and not (setup or teardown) else len(names)
        self.chunks = [names[i : i + size] for i in range(0, len(names), size or 1)]
        self._chunk_of = {name: i for i, chunk in enumerate(self.chunks) for name in chunk}
        self._lock, self._compiled, self._sidecars = _threading.Lock(), {}, {}
        # symbols unique to this glue: kernels may link the glue of several modules that bind
        # the same C++ entity (they share its struct types). The suffix is fixed at generation
        # (the precompiled LTO-IR defines it); a second import of this module gets its own,
        # and compiles its glue with NVRTC.
        self.suffix = suffix or f"_{id(self):x}"
        modules = [m for m in list(_sys.modules.values()) if isinstance(m, type(_sys))]
        if suffix and any(getattr(vars(m).get("_glue"), "suffix", None) == suffix for m in modules):
            self.suffix, self.precompiled = f"{suffix}_{id(self):x}", {}
        changed = [p for p, now in self._sources() if now not in (None, self.sources[p])]
        if changed:  # (a header that is absent: the precompiled glue serves)
            _warnings.warn(
                f"{__name__}: {', '.join(changed)} changed since this module was generated: "
                "regenerate it from its config (named at the top of the module)",
                stacklevel=2,
            )

    def _sources(self):
        """[(header, its sha256 now or None)] of the headers recorded at generation."""
        read = {p: _read(_os.path.join(self.origin, p)) for p in sorted(self.sources)}
        return [(p, d and _hashlib.sha256(d).hexdigest()) for p, d in read.items()]

    def _dirs(self):
        cuda = _cuda_include_dirs()
        user = (_numba_config.CUDA_NVRTC_EXTRA_SEARCH_PATHS or "").split(":")  # read, never set
        resolved = [
            _os.path.join(cuda[0], d[5:]) if d.startswith("cuda:") and cuda
            else _os.path.normpath(_os.path.join(self.origin, d))
            for d in self.include_dirs
        ]  # fmt: skip
        return [d for d in (*cuda, *resolved, *user) if d]

    def _source(self, names):
        lines, owner = self.prelude.splitlines(), {}
        for name in names:
            owner[len(lines) + 1] = name
            lines.append(self.shims[name].replace(f" {name}(", f" {name}{self.suffix}(", 1))
        return "\n".join(lines) + "\n", owner

    def _nvrtc(self, arch, names):
        """(LTO-IR or None, {shim: log}) of ``names`` for ``arch``: shims that fail are dropped
        and the rest compiled again."""
        dirs, headers, failed = self._dirs(), sorted(self.headers.items()), {}
        while names:
            source, owner = self._source(names)
            code = _nvrtc_ltoir(source, arch, dirs, headers)
            if isinstance(code, bytes):
                return code, failed
            # the log names the failing lines; else (an error inside a header) none is known
            failed.update(
                dict.fromkeys(_blamed(code, owner), code) or self._unblamed(arch, names, code)
            )
            names = [n for n in names if n not in failed]
        return None, failed

    def _unblamed(self, arch, names, log):
        """{shim: log} when NVRTC's log names no shim line: all of them (a module whose glue is
        compiled at run time bisects instead: the compile section)."""
        return dict.fromkeys(names, log)

    def _sidecar(self, arch):
        """The precompiled LTO-IR file for ``arch`` (verified), or None: then NVRTC compiles."""
        entry = self.precompiled.get(arch)
        if arch not in self._sidecars and entry and self.origin and _linker_accepts(self.nvrtc):
            data = _read(_os.path.join(self.origin, entry[0]))
            if data is not None and _hashlib.sha256(data).hexdigest() != entry[1]:
                data = None
                message = f"{__name__}: {entry[0]} does not match this module: regenerate it"
                _warnings.warn(message + "; compiling the glue with NVRTC", stacklevel=3)
            self._sidecars[arch] = data
        return self._sidecars.get(arch)

    def _build(self, arch, chunk):
        names, data = self.chunks[chunk], self._sidecar(arch)
        if data is not None:  # that arch's chunk: its slice of the sidecar
            _, _, sizes, dropped = self.precompiled[arch]
            start = _builtins.sum(sizes[:chunk])  # (a binding may be named sum)
            code = data[start : start + sizes[chunk]] or None
            return code, dict.fromkeys((n for n in dropped if n in names), None)
        if arch in self.archs or arch in self.precompiled:
            return self._nvrtc(arch, [n for n in names if arch in self.only.get(n, (arch,))])
        try:  # an arch the module was not generated for
            return self._nvrtc(arch, names)
        except (ImportError, RuntimeError) as error:  # no usable NVRTC
            raise GlueCompileError(
                f"{__name__} was generated for {', '.join(self.archs)}, and its glue does not "
                f"compile for {arch} here ({error}): regenerate it with GPU Arch including {arch}"
            ) from None

    def linkable(self, shim, what):
        """The LTO-IR holding ``shim`` for the kernel being compiled; raises if it has none."""
        arch = _compiling_arch(self.arch)
        if arch not in self.only.get(shim, (arch,)):
            raise GlueCompileError(
                f"{what} is declared for {', '.join(self.only[shim])} only, not for {arch}"
            )
        key = (arch, self._chunk_of[shim])
        with self._lock:
            if key not in self._compiled:
                code, failed = self._build(*key)
                callbacks = {"setup_callback": self.setup, "teardown_callback": self.teardown}
                name = f"numbast-glue-{arch}-{key[1]}"
                self._compiled[key] = (code and _LTOIR(code, name=name, **callbacks), failed)
        obj, failed = self._compiled[key]
        if shim in failed or obj is None:
            log = failed.get(shim) or self._nvrtc(arch, [shim])[1].get(shim, "(compiles alone)")
            hint = "" if arch in self.archs else f" (regenerate with GPU Arch including {arch})"
            raise GlueCompileError(
                f"the C++ glue for {what} does not compile for {arch}{hint}:\n{log}"
            )
        return obj
