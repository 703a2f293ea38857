"""Precompile a module's C++ glue to LTO-IR for each GPU arch, at generation (no numba).

The compile is the one the module's runtime makes (``runtime_sections/glue.py``): the same chunks
(shims sorted by name, ``chunk_size`` per chunk), the same symbol suffix, NVRTC options, include
dirs (CUDA's first) and in-memory headers. Each arch's chunks are concatenated into one sidecar
file; the module records the sizes, the file's SHA-256 and the shims that did not compile.

Chunks exist so a kernel links only the LTO-IR of the shims it calls: nvJitLink's time grows
with the LTO-IR it is given (the whole glue of a 2,781-shim API took 1.3-1.5 s per kernel). Each
chunk costs one more NVRTC parse of the headers, and a small glue gains nothing (cuda_fp16, 262
shims, 157 KB of LTO-IR: a kernel links in 35 ms with all of it, 29 ms with one shim's; its
glue compiles in 0.18 s whole, 5x that in chunks of 64), so only a glue of more than
``SPLIT_ABOVE`` shims is split.

Chunks link together only when the headers define nothing outside C++'s "inline" rule: a header
made for one translation unit (NVSHMEM's ``__NVSHMEM_NUMBA_SUPPORT__`` mode) defines external
``__inline_hint__`` and ``__noinline__`` functions and ``__constant__`` globals, which every
chunk would define again (nvJitLink: "symbol multiply defined"). Such a glue's chunks read the
headers with those three CUDA keywords made ``inline`` (:func:`mergeable_prelude`): each chunk
holds copies only of what its shims use, as vague-linkage definitions that nvJitLink merges into
one (a ``__constant__`` global stays one object, named as in C++, weak in the cubin).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from . import nvrtc_headers
from .glue_culprits import culprits
from .root_cwd import in_root_dir
from .runtime_sections import nvrtc  # (the generated runtime's own code)

CHUNK_SIZE = 128  # shims per chunk, for a glue of more than SPLIT_ABOVE shims
SPLIT_ABOVE = 512


def chunk_size_for(shims: int) -> int:
    """Shims per chunk for a glue of ``shims`` shims (0: one chunk)."""
    return CHUNK_SIZE if shims > SPLIT_ABOVE else 0


@dataclass(frozen=True)
class GlueSource:
    prelude: str
    shims: tuple[tuple[str, str], ...]  # (name, text), any order
    suffix: str  # appended to each shim's symbol
    include_dirs: tuple[str, ...]  # absolute, searched after the CUDA include dirs
    headers: tuple[tuple[str, str | bytes], ...]  # in-memory (include name, text)
    only: tuple[tuple[str, tuple[str, ...]], ...] = ()  # shims declared on some archs only
    chunk_size: int = 0  # 0: one chunk

    def chunks(self) -> list[list[str]]:
        names = sorted(name for name, _ in self.shims)
        size = self.chunk_size or len(names) or 1
        return [names[i : i + size] for i in range(0, len(names), size)]

    def source(self, names: list[str]) -> tuple[str, dict[int, str]]:
        """The glue text of ``names`` and {line number: shim}."""
        texts = dict(self.shims)
        lines, owner = self.prelude.splitlines(), {}
        for name in names:
            owner[len(lines) + 1] = name
            lines.append(texts[name].replace(f" {name}(", f" {name}{self.suffix}(", 1))
        return "\n".join(lines) + "\n", owner


@dataclass(frozen=True)
class ArchGlue:
    arch: str
    data: bytes  # the chunks' LTO-IR, concatenated
    sizes: tuple[int, ...]  # bytes per chunk (0: none of its shims compiled)
    why: tuple[tuple[str, str], ...]  # (shim that did not compile, NVRTC's first error), by shim

    @property
    def dropped(self) -> tuple[str, ...]:
        """The shims that did not compile for this arch."""
        return tuple(shim for shim, _ in self.why)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class NvrtcUnavailable(RuntimeError):
    """cuda-python's NVRTC cannot be loaded: the module relies on run-time compiles only."""


def nvrtc_version() -> tuple[int, int]:
    try:
        from cuda.bindings import nvrtc

        major, minor = nvrtc.nvrtcVersion()[1:]
        return int(major), int(minor)
    except Exception as error:  # ImportError, or the library is missing
        raise NvrtcUnavailable(str(error)) from None


def _ltoir(
    source: str, arch: str, dirs: tuple[str, ...], headers, pch: str | None = None
) -> bytes | str:
    """LTO-IR, or the compile log (a str) when NVRTC rejects the source; ``pch``: a
    precompiled header of the glue's prelude (:func:`_prelude_pch`) to start from."""
    return nvrtc._nvrtc_ltoir(source, arch, dirs, headers, [f"--use-pch={pch}"] if pch else [])


# an error NVRTC reports on a line of the glue itself (a shim's line)
_SHIM_ERROR = re.compile(r"glue\.cu\((\d+)\): (?:catastrophic )?error: (.*)")
# NVRTC could not read the PCH (its log of a failed compile otherwise names the PCH it used)
_PCH_ERROR = re.compile(r"error[^\n]*precompiled header", re.IGNORECASE)


def _chunk(
    glue: GlueSource, arch: str, names: list[str], dirs, pch: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """(LTO-IR, {dropped shim: NVRTC's error}): shims that fail are dropped and the rest
    compiled again."""
    only = dict(glue.only)
    names = [n for n in names if arch in only.get(n, (arch,))]
    dropped: dict[str, str] = {}
    done: dict[tuple[str, ...], bytes | str] = {}  # (the shims left after a drop: compiled)

    def compile_(some: list[str]) -> bytes | str:
        nonlocal pch
        if tuple(some) in done:
            return done[tuple(some)]
        result = _ltoir(glue.source(some)[0], arch, dirs, glue.headers, pch)
        if pch and isinstance(result, str) and _PCH_ERROR.search(result):
            pch = None  # NVRTC would not use it: compile the headers again
            result = _ltoir(glue.source(some)[0], arch, dirs, glue.headers)
        done[tuple(some)] = result
        return result

    while names:
        owner = glue.source(names)[1]
        result = compile_(names)
        if isinstance(result, bytes):
            return result, dropped
        blamed = nvrtc._blamed(result, owner)
        if blamed:  # each with the error on its own line
            errors: dict[str, str] = {}
            for line, error in _SHIM_ERROR.findall(result):
                errors.setdefault(owner.get(int(line), ""), error.strip())
            dropped.update({shim: errors.get(shim) or first_error(result) for shim in blamed})
        else:
            hits = culprits(glue, names, result, compile_)
            dropped.update(dict.fromkeys(sorted(hits), first_error(result)))
        names = [n for n in names if n not in dropped]
    return b"", dropped


def _links_together(parts: list[bytes], arch: str) -> bool:
    """Whether nvJitLink links every chunk into one program without a symbol defined twice (a
    header with a non-inline definition cannot be split). Unresolved symbols (a library linked
    later, e.g. NVSHMEM's device library) do not count."""
    try:
        from cuda.bindings import nvjitlink

        handle = nvjitlink.create(2, [f"-arch={arch}", "-lto"])
    except Exception:  # no nvJitLink here: nothing to learn
        return True
    try:
        for i, part in enumerate(parts):
            nvjitlink.add_data(handle, nvjitlink.InputType.LTOIR, part, len(part), f"c{i}")
        nvjitlink.complete(handle)
        return True
    except Exception:  # nvJitLinkError: the log says why
        log = bytearray(nvjitlink.get_error_log_size(handle))
        nvjitlink.get_error_log(handle, log)
        return b"multipl" not in bytes(log).lower()  # "symbol multiply defined"
    finally:
        nvjitlink.destroy(handle)


# CUDA keywords (their NVRTC spellings, crt/host_defines.h) that make a header's definitions
# external, and what they mean while a chunk reads the headers: C++ inline (vague linkage)
_MERGEABLE = (
    ("__inline_hint__", "inline", "__attribute__((nv_inline_hint))"),
    ("__noinline__", "inline __attribute__((noinline))", "__attribute__((noinline))"),
    ("__constant__", "inline __location__(constant)", "__location__(constant)"),
)


def mergeable_prelude(prelude: str) -> str:
    """``prelude`` with the header's ``__inline_hint__``/``__noinline__`` functions and
    ``__constant__`` globals defined ``inline``: chunks that each define them link together
    (the keywords mean what CUDA says again after the prelude, for the shims)."""
    during = "".join(
        f"#undef {word}\n#define {word} {spelling}\n" for word, spelling, _ in _MERGEABLE
    )
    after = "".join(
        f"#undef {word}\n#define {word} {spelling}\n" for word, _, spelling in _MERGEABLE
    )
    return during + prelude.rstrip("\n") + "\n" + after


def _splittable(glue: GlueSource, arch: str, dirs: tuple[str, ...]) -> GlueSource:
    """``glue`` as its chunks are compiled: as it is when its prelude alone links with itself
    (the headers define nothing two chunks would both define), else with the mergeable prelude
    when that does, else as one chunk. (The two compiles run side by side: NVSHMEM's headers
    take ~8 s each on the 2-core box.)"""
    preludes = (glue.prelude, mergeable_prelude(glue.prelude))
    with ThreadPoolExecutor(2) as pool:  # NVRTC compiles outside the GIL
        codes = list(pool.map(lambda prelude: _ltoir(prelude, arch, dirs, glue.headers), preludes))
    for prelude, code in zip(preludes, codes):
        if isinstance(code, bytes) and _links_together([code, code], arch):
            return dataclasses.replace(glue, prelude=prelude)
    return dataclasses.replace(glue, chunk_size=0)


def chunked(glue: GlueSource, archs: tuple[str, ...], cuda_dirs: tuple[str, ...]) -> GlueSource:
    """The glue as a module that is not precompiled compiles it at run time: chunks only when
    they link together (probed as :func:`precompile` does; one chunk without NVRTC here)."""
    if len(glue.chunks()) < 2 or not archs:
        return glue
    try:
        nvrtc_version()
    except NvrtcUnavailable:
        return dataclasses.replace(glue, chunk_size=0)
    return _splittable(glue, archs[0], (*cuda_dirs, *glue.include_dirs))


def precompile(glue: GlueSource, archs: tuple[str, ...], cuda_dirs: tuple[str, ...]):
    """({arch: ArchGlue}, the glue as compiled: its chunk size and prelude). Raises
    ``NvrtcUnavailable``. The headers are given to NVRTC in memory where it reads them so
    (:mod:`.nvrtc_headers`), and NVRTC runs in ``/`` (:mod:`.root_cwd`): the LTO-IR is then the
    same for any folder, working directory and CUDA install."""
    nvrtc_version()
    dirs = (*cuda_dirs, *glue.include_dirs)
    # (found from the prelude: the user's include dirs may hold anything, this module among them)
    forwarders = {name: _bytes(text) for name, text in glue.headers}  # followed if included
    reached = nvrtc_headers.reachable([glue.prelude.encode()], dirs, forwarders)
    in_memory = dataclasses.replace(glue, headers=(*glue.headers, *reached))
    # NVRTC reads them from memory as from disk unless a #pragma once file has two names:
    # then it is tried first, and read from disk if it does not compile so (the LTO-IR then
    # names the folders it was made in)
    if not archs or nvrtc_headers.read_alike(in_memory.headers):
        return in_root_dir(_compile_all, in_memory, archs, cuda_dirs)
    chosen = in_memory if _compiles(in_memory, archs[0], dirs) else glue
    return in_root_dir(_compile_all, chosen, archs, cuda_dirs)


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


def _compiles(glue: GlueSource, arch: str, dirs: tuple[str, ...]) -> bool:
    return isinstance(_ltoir(glue.prelude, arch, dirs, glue.headers), bytes)


def _prelude_pch(glue: GlueSource, arch: str, dirs: tuple[str, ...], folder: str) -> str | None:
    """A precompiled header of the glue's prelude for ``arch`` (NVRTC >= 12.8), or ``None``.

    Each chunk otherwise parses the whole header again: NVSHMEM's device API took ~10 s per
    chunk of 128 shims on the 2-core box, 2-4 s from the PCH. NVRTC needs a PCH heap of the
    header's size (~630 MB for NVSHMEM): raised to what NVRTC asks for, put back after.
    The LTO-IR made from a PCH is the same for any PCH path, but not byte-identical to the one
    made without (the run-time fallback compiles without; both define the same symbols)."""
    from cuda.bindings import nvrtc

    path = os.path.join(folder, f"{arch}.pch")
    options = [f"-arch={arch}", "-rdc=true", "-dlto", *(f"-I{d}" for d in dirs)]
    options += [f"--create-pch={path}"]
    names = [n.encode() for n, _ in glue.headers]
    texts = [t if isinstance(t, bytes) else t.encode() for _, t in glue.headers]
    ok = nvrtc.nvrtcResult.NVRTC_SUCCESS
    for _ in range(2):  # the second time with the PCH heap NVRTC asked for
        status, program = nvrtc.nvrtcCreateProgram(
            glue.prelude.encode(), b"glue.cu", len(names), texts, names
        )
        if status != ok:
            return None
        try:
            compiled = nvrtc.nvrtcCompileProgram(
                program, len(options), [o.encode() for o in options]
            )
            created = nvrtc.nvrtcGetPCHCreateStatus(program)[0]
            exhausted = nvrtc.nvrtcResult.NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED
            if compiled[0] == ok and created == ok and os.path.isfile(path):
                return path
            if created != exhausted:
                return None
            status, needed = nvrtc.nvrtcGetPCHHeapSizeRequired(program)
            if status != ok or not _grow_pch_heap(needed):
                return None
        except (AttributeError, RuntimeError):  # an NVRTC without PCH support
            return None
        finally:
            nvrtc.nvrtcDestroyProgram(program)
    return None


def nvrtc_pch_heap() -> int | None:
    """NVRTC's process-wide PCH heap size in bytes (``None``: no PCH support)."""
    from cuda.bindings import nvrtc

    try:
        status, size = nvrtc.nvrtcGetPCHHeapSize()
    except AttributeError:
        return None
    return size if status == nvrtc.nvrtcResult.NVRTC_SUCCESS else None


def _grow_pch_heap(needed: int) -> bool:
    """Raise NVRTC's PCH heap to ``needed`` bytes (``_compile_all`` puts it back after)."""
    from cuda.bindings import nvrtc

    current = nvrtc_pch_heap()
    if current is None:
        return False
    return (
        current >= needed or nvrtc.nvrtcSetPCHHeapSize(needed)[0] == nvrtc.nvrtcResult.NVRTC_SUCCESS
    )


def _compile_all(glue: GlueSource, archs: tuple[str, ...], cuda_dirs: tuple[str, ...]):
    dirs = (*cuda_dirs, *glue.include_dirs)
    if len(glue.chunks()) > 1 and archs:
        glue = _splittable(glue, archs[0], dirs)
    chunks = glue.chunks()
    jobs = [(arch, names) for arch in archs for names in chunks]
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    heap = nvrtc_pch_heap()
    with (
        tempfile.TemporaryDirectory(prefix="numbast-pch-") as folder,
        ThreadPoolExecutor(workers) as pool,  # NVRTC compiles outside the GIL
    ):
        pchs = {}
        if len(chunks) > 1:  # every chunk reads the same headers: parse them once per arch
            made = pool.map(lambda arch: _prelude_pch(glue, arch, dirs, folder), archs)
            pchs = dict(zip(archs, made))
        try:
            done = list(
                pool.map(lambda job: _chunk(glue, job[0], job[1], dirs, pchs.get(job[0])), jobs)
            )
        finally:
            if heap is not None and nvrtc_pch_heap() != heap:  # give the PCH heap back
                from cuda.bindings import nvrtc

                nvrtc.nvrtcSetPCHHeapSize(heap)
    per_arch = {arch: done[i * len(chunks) : (i + 1) * len(chunks)] for i, arch in enumerate(archs)}
    if len(chunks) > 1 and archs:
        parts = [code for code, _ in per_arch[archs[0]] if code]
        if not _links_together(parts, archs[0]):
            return _compile_all(dataclasses.replace(glue, chunk_size=0), archs, cuda_dirs)
    out = {
        arch: ArchGlue(
            arch,
            b"".join(code for code, _ in results),
            tuple(len(code) for code, _ in results),
            tuple(sorted(why for _, dropped in results for why in dropped.items())),
        )
        for arch, results in per_arch.items()
    }
    return out, glue


def first_error(log: str) -> str:
    """The first error line of an NVRTC log (its message, without the file and line)."""
    for line in log.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()
    return log.strip().splitlines()[-1] if log.strip() else "(no log)"


@dataclass(frozen=True)
class ModuleGlue:
    """What the module's ``_Glue(...)`` records besides the shims (see runtime_sections/glue.py)."""

    archs: tuple[str, ...]
    include_dirs: tuple[str, ...]  # relative to the module's folder, or cuda:<dir>
    suffix: str | None = None  # None: made at run time (not precompilable)
    chunk_size: int = 0
    only: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # (arch, sidecar file name, sha256, chunk sizes, shims that did not compile)
    precompiled: tuple[tuple[str, str, str, tuple[int, ...], tuple[str, ...]], ...] = ()
    nvrtc: tuple[int, int] | None = None  # the NVRTC that made the sidecars
    sources: tuple[tuple[str, str], ...] = ()  # (header relative to the module, sha256)
    prelude: str | None = None  # the chunks' prelude when not the plan's (mergeable_prelude)


def suffix_of(glue: GlueSource, module_name: str) -> str:
    """A symbol suffix fixed by the glue's text and the module's name: precompiled LTO-IR and
    NVRTC at run time define the same symbols, distinct from other modules' glue."""
    text = "\0".join([module_name, glue.prelude, *(f"{n}\0{t}" for n, t in sorted(glue.shims))])
    return "_" + hashlib.sha256(text.encode()).hexdigest()[:12]
