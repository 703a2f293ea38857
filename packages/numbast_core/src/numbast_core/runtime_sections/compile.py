# ruff: noqa: F821 (a section of the generated module: the glue section precedes it)
# ---- runtime section: compile (glue compiled at run time: disk cache, bisection) --------------
# A module whose glue was not precompiled compiles it with NVRTC at the first kernel, through a
# per-user disk cache ($NUMBAST_CACHE_DIR, else $XDG_CACHE_HOME/numbast or ~/.cache/numbast).
import json as _json
import tempfile as _tempfile


def _toolchain_warning():
    """A message when the CUDA headers NVRTC reads are newer than NVRTC or nvJitLink."""
    try:
        from cuda.bindings import nvjitlink, nvrtc

        with open(_os.path.join(_cuda_include_dirs()[0], "cuda.h"), errors="replace") as f:
            version = int(_re.search(r"#define\s+CUDA_VERSION\s+(\d+)", f.read()).group(1))
        tools = {"NVRTC": tuple(nvrtc.nvrtcVersion()[1:]), "nvJitLink": tuple(nvjitlink.version())}
    except Exception:  # no CUDA here: the first kernel says what is missing
        return None
    headers = (version // 1000, version % 1000 // 10)  # CUDA_VERSION: 12080 -> (12, 8)
    older = [f"{name} {v[0]}.{v[1]}" for name, v in tools.items() if v < headers]
    if not older:
        return None
    newer = f"the CUDA {headers[0]}.{headers[1]} headers are newer than {' and '.join(older)}"
    return newer + ": kernels may fail to compile or link; install a matching CUDA"


def _cache_dir():
    base = _os.environ.get("XDG_CACHE_HOME") or _os.path.join(_os.path.expanduser("~"), ".cache")
    return _os.environ.get("NUMBAST_CACHE_DIR") or _os.path.join(base, "numbast")


def _cache_get(key):
    """(LTO-IR or None, {shim: log}) stored under ``key``, or None (missing or unreadable)."""
    try:
        head, _, code = (_read(_os.path.join(_cache_dir(), key + ".ltoir")) or b"").partition(b"\n")
        return (code or None), _json.loads(head)["failed"]
    except (ValueError, KeyError, TypeError):  # (missing: empty)
        return None


def _cache_put(key, code, failed):
    """Store atomically (a temporary file, then ``os.replace``); a cache that cannot be written
    is no error."""
    try:
        _os.makedirs(_cache_dir(), exist_ok=True)
        fd, tmp = _tempfile.mkstemp(dir=_cache_dir(), prefix=".tmp-", suffix=".ltoir")
        with _os.fdopen(fd, "wb") as f:
            f.write(_json.dumps({"failed": failed}).encode() + b"\n" + (code or b""))
        _os.replace(tmp, _os.path.join(_cache_dir(), key + ".ltoir"))
    except OSError:
        pass


class _Glue(_Glue):  # the glue section's, compiled at run time
    def _nvrtc(self, arch, names):
        """As the glue section's, through the disk cache, under a hash of everything the
        compile reads."""
        from cuda.bindings import nvrtc

        if not self._compiled and (message := _toolchain_warning()):  # (the first compile)
            _warnings.warn(f"{__name__}: {message}", stacklevel=4)
        key = [_ABI, self._source(names)[0], arch, nvrtc.nvrtcVersion()[1:], self._dirs()]
        key = _json.dumps([*key, sorted(self.headers.items()), self._sources()])
        key = _hashlib.sha256(key.encode()).hexdigest()
        if (cached := _cache_get(key)) is not None:
            return cached
        code, failed = super()._nvrtc(arch, names)
        _cache_put(key, code, failed)
        return code, failed

    def _unblamed(self, arch, names, log):
        dirs, headers = self._dirs(), sorted(self.headers.items())

        def log_of(some):
            code = _nvrtc_ltoir(self._source(some)[0], arch, dirs, headers)
            return "" if isinstance(code, bytes) else code

        return _bisect(list(names), log_of, log)
