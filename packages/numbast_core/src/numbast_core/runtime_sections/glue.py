# ruff: noqa: F821 (a section of the generated module: core's imports and names precede it)
# ---- numbast runtime: the C++ glue, per GPU arch --------------------------------------------
# The shims are split into chunks (sorted by name), so a kernel links only the chunks of the
# shims it calls. Per arch, a chunk's LTO-IR comes from the sidecar file that `numbast generate`
# wrote next to this module (checked against its SHA-256), else from NVRTC through a per-user
# disk cache ($NUMBAST_CACHE_DIR, else $XDG_CACHE_HOME/numbast or ~/.cache/numbast).
import hashlib as _hashlib
import json as _json
import os as _os
import tempfile as _tempfile
import threading as _threading
import warnings as _warnings


class GlueCompileError(_NumbaError):
    """The C++ glue of a binding did not compile with NVRTC (or not for the kernel's arch)."""


def _nvrtc_ltoir(source, arch, include_dirs, headers):
    """LTO-IR of ``source``, compiled through cuda-python's NVRTC API with explicit ``-I``
    options (no process-global state is changed). Raises ``GlueCompileError(log)``."""
    from cuda.bindings import nvrtc

    SUCCESS = nvrtc.nvrtcResult.NVRTC_SUCCESS

    def ok(status, *value):  # NVRTC calls return (status, *value)
        if status != SUCCESS:
            raise GlueCompileError(f"NVRTC: {status!r}")
        return value[0] if value else None

    encoded = [s.encode() for s in (*headers.values(), *headers)]  # texts, then include names
    n = len(headers)
    program = ok(
        *nvrtc.nvrtcCreateProgram(source.encode(), b"glue.cu", n, encoded[:n], encoded[n:])
    )
    try:
        options = [f"-arch={arch}", "-rdc=true", "-dlto", *(f"-I{d}" for d in include_dirs)]
        options = [o.encode() for o in options]
        if nvrtc.nvrtcCompileProgram(program, len(options), options)[0] != SUCCESS:
            log = b" " * ok(*nvrtc.nvrtcGetProgramLogSize(program))
            ok(*nvrtc.nvrtcGetProgramLog(program, log))
            log = log.decode(errors="replace").rstrip("\0")
            raise GlueCompileError(f"NVRTC ({arch}) compilation log:\n{log}")
        code = b" " * ok(*nvrtc.nvrtcGetLTOIRSize(program))
        ok(*nvrtc.nvrtcGetLTOIR(program, code))
        return code
    finally:
        nvrtc.nvrtcDestroyProgram(program)


def _cuda_include_dirs():
    from cuda import pathfinder

    cccl = pathfinder.locate_nvidia_header_directory("cccl")
    return [
        d for d in (pathfinder.find_nvidia_header_directory("cudart"), cccl and cccl.abs_path) if d
    ]


def _toolchain_warning():
    """A message when the CUDA headers NVRTC reads are newer than NVRTC or nvJitLink."""
    try:
        from cuda.bindings import nvjitlink, nvrtc

        with open(_os.path.join(_cuda_include_dirs()[0], "cuda.h"), errors="replace") as f:
            found = _re.search(r"#define\s+CUDA_VERSION\s+(\d+)", f.read())
        version = int(found.group(1)) if found else 0  # CUDA_VERSION: 12080 -> (12, 8)
        headers = (version // 1000, version % 1000 // 10) if found else None
        tools = {"NVRTC": tuple(nvrtc.nvrtcVersion()[1:]), "nvJitLink": tuple(nvjitlink.version())}
    except Exception:  # no CUDA here: the first kernel says what is missing
        return None
    older = [f"{name} {v[0]}.{v[1]}" for name, v in tools.items() if headers and v < headers]
    if older:
        newer = f"the CUDA {headers[0]}.{headers[1]} headers are newer than {' and '.join(older)}"
        return newer + ": kernels may fail to compile or link; install a matching CUDA"
    return None


def _compiling_arch(default):
    """The arch of the kernel being compiled (numba-cuda's compile flags), else ``default``."""
    cc = getattr(_targetconfig.ConfigStack.top_or_none(), "compute_capability", None)
    return f"sm_{cc[0]}{cc[1]}{''.join(map(str, cc[2:]))}" if cc else default


def _cache_dir():
    base = _os.environ.get("XDG_CACHE_HOME") or _os.path.join(_os.path.expanduser("~"), ".cache")
    return _os.environ.get("NUMBAST_CACHE_DIR") or _os.path.join(base, "numbast")


def _cache_get(key):
    """(LTO-IR or None, {shim: log}) stored under ``key``, or None (missing or unreadable)."""
    try:
        with open(_os.path.join(_cache_dir(), key + ".ltoir"), "rb") as f:
            head, _, code = f.read().partition(b"\n")
        return (code or None), _json.loads(head)["failed"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_put(key, code, failed):
    """Store atomically (a temporary file, then ``os.replace``); a cache that cannot be written
    is not an error."""
    directory = _cache_dir()
    try:
        _os.makedirs(directory, exist_ok=True)
        fd, tmp = _tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".ltoir")
        with _os.fdopen(fd, "wb") as f:
            f.write(_json.dumps({"failed": failed}).encode() + b"\n" + (code or b""))
        _os.replace(tmp, _os.path.join(directory, key + ".ltoir"))
    except OSError:
        pass


def _sha256(path):
    try:
        with open(path, "rb") as f:
            return _hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return None


def _bisect_culprits(names, log_of, log):
    """{shim: log} of the shims whose glue fails (``log_of(shims)``: NVRTC's log, "" when
    they compile; ``log``: that of ``names``). Halves are compiled apart until each failure is
    one shim's; shims that fail only together are all blamed."""
    if len(names) == 1:
        return {names[0]: log}
    half = len(names) // 2
    found = {}
    for part in (names[:half], names[half:]):
        part_log = log_of(part)
        if part_log:
            found.update(_bisect_culprits(part, log_of, part_log))
    return found or dict.fromkeys(names, log)


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
        self.origin = _os.path.dirname(_os.path.abspath(origin)) if origin else None
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
        if suffix and any(
            getattr(vars(m).get("_glue"), "suffix", None) == suffix
            for m in list(_sys.modules.values())
            if isinstance(m, type(_sys))
        ):
            self.suffix, self.precompiled = f"{suffix}_{id(self):x}", {}
        self.changed = [p for p, digest in self.sources.items() if self._changed(p, digest)]
        if self.changed:
            _warnings.warn(
                f"{__name__}: {', '.join(self.changed)} changed since this module was generated: "
                "regenerate it from its config (named at the top of the module)",
                stacklevel=2,
            )

    def _current_sources(self):
        return [(p, _sha256(_os.path.join(self.origin or "", p))) for p in sorted(self.sources)]

    def _changed(self, path, digest):
        found = _sha256(_os.path.join(self.origin or "", path))
        return found is not None and found != digest  # absent: the precompiled glue serves

    def _dirs(self):
        cuda = _cuda_include_dirs()
        user = (_numba_config.CUDA_NVRTC_EXTRA_SEARCH_PATHS or "").split(":")  # read, never set
        resolved = [
            _os.path.join(cuda[0], d[5:]) if d.startswith("cuda:") and cuda
            else _os.path.normpath(_os.path.join(self.origin or "", d))
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
        and the rest compiled again. Through the disk cache."""
        from cuda.bindings import nvrtc

        dirs = self._dirs()
        key = _json.dumps([_ABI, self._source(names)[0], arch, nvrtc.nvrtcVersion()[1:], dirs,
                           sorted(self.headers.items()), self._current_sources()])  # fmt: skip
        key = _hashlib.sha256(key.encode()).hexdigest()
        cached = _cache_get(key)
        if cached is not None:
            return cached
        failed, code = {}, None
        while names and code is None:
            source, owner = self._source(names)
            try:
                code = bytes(_nvrtc_ltoir(source, arch, dirs, self.headers))
            except GlueCompileError as error:  # the log names the failing lines
                log = str(error)
                errors = r"glue\.cu\((\d+)\): (?:catastrophic )?error|line (\d+) of \S*glue\.cu"
                hits = _re.findall(errors, log)  # warnings on a shim's line are not its failure
                culprits = {owner[int(a or b)] for a, b in hits if int(a or b) in owner}
                if culprits:
                    failed.update(dict.fromkeys(culprits, log))
                else:  # no shim line to blame (an error inside a header): bisect the shims
                    log_of = lambda some: self._log(arch, dirs, some)  # noqa: E731
                    failed.update(_bisect_culprits(list(names), log_of, log))
                names = [n for n in names if n not in failed]
        _cache_put(key, code, failed)
        return code, failed

    def _log(self, arch, dirs, names):
        """NVRTC's log for the glue of ``names``; "" when it compiles."""
        try:
            _nvrtc_ltoir(self._source(names)[0], arch, dirs, self.headers)
        except GlueCompileError as error:
            return str(error)
        return ""

    def _sidecar(self, arch):
        """The precompiled LTO-IR file for ``arch`` (verified), or None: then NVRTC compiles."""
        if arch not in self._sidecars:
            data, entry = None, self.precompiled.get(arch)
            if entry is not None and self.origin is not None and self._linker_accepts():
                try:
                    with open(_os.path.join(self.origin, entry[0]), "rb") as f:
                        data = f.read()
                except OSError:
                    pass
                if data is not None and _hashlib.sha256(data).hexdigest() != entry[1]:
                    data = None
                    message = f"{__name__}: {entry[0]} does not match this module: regenerate it"
                    _warnings.warn(message + "; compiling the glue with NVRTC", stacklevel=3)
            self._sidecars[arch] = data
        return self._sidecars[arch]

    def _linker_accepts(self):
        """nvJitLink links LTO-IR from an NVRTC no newer than itself."""
        try:
            from cuda.bindings import nvjitlink

            return self.nvrtc is None or tuple(nvjitlink.version()) >= tuple(self.nvrtc)
        except Exception:  # no nvJitLink: numba-cuda says so when it links
            return True

    def _build(self, arch, chunk):
        names, data = self.chunks[chunk], self._sidecar(arch)
        if data is not None:  # that arch's chunk: its slice of the sidecar
            _, _, sizes, dropped = self.precompiled[arch]
            start = _builtins.sum(sizes[:chunk])  # (a binding may be named sum)
            code = data[start : start + sizes[chunk]] or None
            return code, dict.fromkeys((n for n in dropped if n in names), None)
        if arch not in self.archs and arch not in self.precompiled:
            try:
                return self._nvrtc(arch, names)
            except (GlueCompileError, ImportError, RuntimeError) as error:  # no usable NVRTC
                raise GlueCompileError(
                    f"{__name__} was generated for {', '.join(self.archs)}, and its glue does not "
                    f"compile for {arch} here ({error}): regenerate it with GPU Arch including "
                    f"{arch}"
                ) from None
        return self._nvrtc(arch, [n for n in names if arch in self.only.get(n, (arch,))])

    def linkable(self, shim, what):
        """The LTO-IR holding ``shim`` for the kernel being compiled; raises if it has none."""
        arch = _compiling_arch(self.arch)
        if arch not in self.only.get(shim, (arch,)):
            raise GlueCompileError(
                f"{what} is declared for {', '.join(self.only[shim])} only, not for {arch}"
            )
        key = (arch, self._chunk_of[shim])
        with self._lock:
            if not self._compiled:  # the first kernel: NVRTC and nvJitLink are loaded by now
                toolchain = _toolchain_warning()
                if toolchain:
                    _warnings.warn(f"{__name__}: {toolchain}", stacklevel=2)
            if key not in self._compiled:
                code, failed = self._build(*key)
                callbacks = {"setup_callback": self.setup, "teardown_callback": self.teardown}
                obj = (
                    _LTOIR(code, name=f"numbast-glue-{arch}-{key[1]}", **callbacks)
                    if code
                    else None
                )
                self._compiled[key] = (obj, failed)
        obj, failed = self._compiled[key]
        if shim in failed or obj is None:
            log = failed.get(shim) or self._nvrtc(arch, [shim])[1].get(shim, "(compiles alone)")
            hint = "" if arch in self.archs else f" (regenerate with GPU Arch including {arch})"
            raise GlueCompileError(
                f"the C++ glue for {what} does not compile for {arch}{hint}:\n{log}"
            )
        return obj
