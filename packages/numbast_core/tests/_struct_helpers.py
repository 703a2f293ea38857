"""Shared by test_structs.py, test_gpu_structs.py and pregenerate.py.

Generation needs libclang (CPU machine); loading needs only numba-cuda, so the GPU machine can use
modules generated elsewhere: ``$NUMBAST_PREGENERATED/structs/``.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "structs"
HEADER = DATA / "nbt_structs.cuh"
# module name -> config file; each config's Output Name is f"{name}.py"
CONFIGS = {
    "nbt_structs_bindings": "nbt_structs.yml",
    "nbt_structs_separate": "nbt_structs_separate.yml",
}
PREGENERATED_ENV = "NUMBAST_PREGENERATED"
SUBDIR = "structs"


def generate_all(out_dir: str | os.PathLike) -> dict:
    """Generate the struct test modules into ``out_dir``; pickles each plan next to its module."""
    import numbast_core

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for name, config_file in CONFIGS.items():
        result = numbast_core.generate(numbast_core.load_config(DATA / config_file), out)
        assert result.path.name == f"{name}.py"
        (out / f"{name}.plan.pickle").write_bytes(pickle.dumps(result.plan))
        results[name] = result
    return results


def module_dir(tmp_factory) -> Path:
    """The folder holding the generated modules: pregenerated, or generated now."""
    pregenerated = os.environ.get(PREGENERATED_ENV)
    if pregenerated:
        return Path(pregenerated) / SUBDIR
    out = tmp_factory.mktemp("structs")
    generate_all(out)
    return out


# Every struct feature in one kernel: compiled and linked on the CPU by test_structs.py, run on a
# GPU against the same C++ (CXX_OPS) by test_gpu_structs.py.
CXX_OPS = """
  geo::Vec v = geo::Vec(1.0f, 2.0f) + geo::Vec(3.0f);
  geo::Vec w = geo::Vec::make(2.0f);
  v += w;
  v *= 2.0f;
  geo::Vec u = -v - w;
  geo::Vec d;
  out[0] = v.x; out[1] = v.arr[1]; out[2] = v.inner.y;
  out[3] = v == w ? 1.0 : 0.0; out[4] = v != w ? 1.0 : 0.0;
  out[5] = v.dot(w); out[6] = u.norm2() + d.x;
  Meters h(2.5f);
  out[7] = (float)h; out[8] = (double)h; out[9] = twice_f(h);
  out[10] = vec_sum(geo::Vec(1.0f)) + vec_sum(4.0f);
  out[11] = Padded(1, 2.0, 5).get_secret();
  out[12] = Bits(1u, 2u, 3u).sum();
  out[13] = Guard(4).get();
  out[14] = Odd(3).twice_tag() + Poly(5).plain();
  out[15] = meters_value(1.5f) + meters_value(Meters(2));
  geo::Vec z(1.0f); z.x = 3.0f; geo::Vec q = z; q.y = z.x + 1.0f;
  out[16] = z.x + q.y + z.y;
"""

NUMBA_OPS = """
def f(out):
    v = Vec(float32(1.0), float32(2.0)) + Vec(float32(3.0))
    w = Vec.make(float32(2.0))
    v += w
    v *= float32(2.0)
    u = -v - w
    d = Vec()
    out[0] = v.x
    out[1] = v.arr[1]
    out[2] = v.inner.y
    out[3] = 1.0 if v == w else 0.0
    out[4] = 1.0 if v != w else 0.0
    out[5] = v.dot(w)
    out[6] = u.norm2() + d.x
    h = Meters(float32(2.5))
    out[7] = float32(h)
    out[8] = float64(h)
    out[9] = twice_f(h)
    out[10] = vec_sum(Vec(float32(1.0))) + vec_sum(float32(4.0))
    out[11] = Padded(int8(1), 2.0, int32(5)).get_secret()
    out[12] = Bits(uint32(1), uint32(2), uint32(3)).sum()
    out[13] = Guard(int32(4)).get()
    out[14] = Odd(int32(3)).twice_tag() + Poly(int32(5)).plain()
    out[15] = meters_value(float32(1.5)) + meters_value(Meters(int32(2)))
    z = Vec(float32(1.0))
    z.x = float32(3.0)
    q = z
    q.y = z.x + float32(1.0)
    out[16] = z.x + q.y + z.y
"""


# Mutating methods, item reads/writes, receivers in local variables and array elements: the same
# steps in Numba (run by test_struct_mutation.py on the CPU, folded at link time, and by
# test_gpu_structs.py on a GPU) and in native CUDA C++ (the GPU oracle).
NUMBA_MUTATION = """
def f(out):
    v = Vec(float32(1.0), float32(2.0))
    v.scale(float32(3.0))
    out[0] = v.x
    out[1] = v[1]
    a = Acc(float32(1.0))
    a.add(float32(2.0))
    a.add(float32(4.0), 2)
    a.add(float32(1.0), 3, float32(2.0))
    t = a.take()
    u = a.take(3)
    out[2] = t
    out[3] = u
    b = a.push(float32(5.0))
    a.push(float32(1.0))
    out[4] = b.total()
    out[5] = a.total()
    a[1] = float32(9.0)
    a[int32(6)] = a[0] + float32(0.5)
    out[6] = a[1] + a[2]
    w = a
    w.add(float32(100.0))
    out[7] = a.sum + w.sum
    arr = cuda.local.array(3, _type_Acc)
    arr[0] = Acc(float32(1.0))
    arr[1] = Acc(float32(2.0))
    arr[1].add(float32(3.0))
    r = arr[1].take(2)
    arr[1].n += 10
    arr[0][3] = float32(7.0)
    out[8] = arr[1].sum + arr[1].n + r
    out[9] = arr[0][3] + arr[0].total()
    for i in range(4):
        v.scale(float32(2.0))
    for i in range(2):
        arr[i].add(float32(i + 1))
    out[10] = v.y
    out[11] = arr[0].total() + arr[1].total()
    c = Acc()
    if c.take() == 0:  # branches that rebind the variable: SSA versions of c and v
        c.add(float32(2.0))
        c[0] = float32(1.0)
        v.x = float32(5.0)
    else:
        c = Acc(float32(3.0))
        v = Vec()
    out[12] = c.sum + c[0] + c.n + v.x
    if c.take() == 0:
        c = Acc()
    else:
        c.add(float32(4.0))
        c[1] = float32(0.5)
    out[13] = c.sum + c[1] + c.n
    v2 = Vec(float32(2.0), float32(3.0))
    v2.inner.y = float32(1.5)  # a field of a field: stored back through v2's setter
    v2.inner.k += 2
    arr2 = cuda.local.array(2, _type_Vec)
    arr2[0] = v2
    arr2[0].inner.y += float32(1.0)
    out[14] = v2.inner.y + v2.inner.k + arr2[0].inner.y
"""

CXX_MUTATION = """
  geo::Vec v(1.0f, 2.0f);
  v.scale(3.0f);
  out[0] = v.x; out[1] = v[1];
  geo::Acc a(1.0f);
  a.add(2.0f); a.add(4.0f, 2); a.add(1.0f, 3, 2.0f);
  int t = a.take(); int u = a.take(3);
  out[2] = t; out[3] = u;
  geo::Acc b = a.push(5.0f);
  a.push(1.0f);
  out[4] = b.total(); out[5] = a.total();
  a[1] = 9.0f;
  a[6] = a[0] + 0.5f;
  out[6] = a[1] + a[2];
  geo::Acc w = a; w.add(100.0f);
  out[7] = a.sum + w.sum;
  geo::Acc arr[3];
  arr[0] = geo::Acc(1.0f); arr[1] = geo::Acc(2.0f);
  arr[1].add(3.0f);
  int r = arr[1].take(2);
  arr[1].n += 10;
  arr[0][3] = 7.0f;
  out[8] = arr[1].sum + arr[1].n + r;
  out[9] = arr[0][3] + arr[0].total();
  for (int i = 0; i < 4; ++i) v.scale(2.0f);
  for (int i = 0; i < 2; ++i) arr[i].add(float(i + 1));
  out[10] = v.y;
  out[11] = arr[0].total() + arr[1].total();
  geo::Acc c;
  if (c.take() == 0) { c.add(2.0f); c[0] = 1.0f; v.x = 5.0f; }
  else { c = geo::Acc(3.0f); v = geo::Vec(); }
  out[12] = c.sum + c[0] + c.n + v.x;
  if (c.take() == 0) { c = geo::Acc(); }
  else { c.add(4.0f); c[1] = 0.5f; }
  out[13] = c.sum + c[1] + c.n;
  geo::Vec v2(2.0f, 3.0f);
  v2.inner.y = 1.5f;
  v2.inner.k += 2;
  geo::Vec arr2[2];
  arr2[0] = v2;
  arr2[0].inner.y += 1.0f;
  out[14] = v2.inner.y + v2.inner.k + arr2[0].inner.y;
"""

# the C++ results, worked out by hand from the header (the GPU test checks them against C++)
MUTATION_RESULTS = [3.0, 6.0, 6.0, 7.0, 38.0, 40.0, 10.5, 136.0, 17.0, 20.0, 96.0, 48.0, 10.0, 10.5,
                    13.0]  # fmt: skip
