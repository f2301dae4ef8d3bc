"""Random numpy arrays and numpy's own repr() of each, for the conformance
of `fleche_core::arrayprint` (crates/fleche-core/tests/it/arrays.rs).

    python arrays.py SEED COUNT [--small]
    python arrays.py --narrow

writes one JSON object per line: the dtype's `.str`, the shape, whether the
buffer is in Fortran order, the buffer (base64, in that order) and
`repr(array)`. Values mix what breaks formatters: nan, ±inf, -0.0, the
smallest subnormal, the largest finite, round and unround numbers, wide and
narrow magnitude ranges; shapes include empty, 0-d, and arrays past
numpy's summarisation threshold (1,000 elements). `--small` keeps every
array under 60 elements (the committed offline vectors).
"""

import base64
import io
import json
import pickle
import sys

import numpy as np

FLOATS = ["<f8", "<f4", "<f2", ">f8", ">f4"]
INTS = ["<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1", ">i4", ">u2"]
OTHERS = ["|b1", "<c16", "<c8", ">c16", "<U5", ">U3", "|S4", "<U1", "|O", "|O"]
TIMES = ["<M8[D]", "<M8[s]", "<M8[ns]", "<M8[M]", "<M8[Y]", "<M8[W]", "<M8[h]", "<M8[ms]",
         "<M8[us]", "<m8[s]", "<m8[ms]", ">M8[D]", "<M8[10s]", "<m8[5D]", "<m8[ns]", "<M8[as]"]
WORDS = ["", "a", "bcd", "naïve", "日本", "it's", 'say "hi"', "tab\t", "\x00x", "zoë!", "\u202e", "back\\slash"]


def shape_for(rng, small):
    r = rng.random()
    if r < 0.05:
        return ()
    if r < 0.10:
        return tuple(int(x) for x in rng.choice([0, 0, 1, 2], size=rng.integers(1, 3)))
    if not small and r < 0.25:
        # Past the threshold: summarised.
        return [(int(rng.integers(1001, 3000)),),
                (int(rng.integers(32, 60)), int(rng.integers(32, 60))),
                (int(rng.integers(2, 5)), int(rng.integers(10, 20)), int(rng.integers(30, 40))),
                (1, int(rng.integers(1001, 1500)))][int(rng.integers(0, 4))]
    ndim = int(rng.integers(1, 4))
    dims = []
    for _ in range(ndim):
        dims.append(int(rng.integers(1, 8 if ndim > 1 else 25)))
    if small:
        while np.prod(dims) >= 60:
            dims[int(np.argmax(dims))] -= 1
    return tuple(dims)


def float_values(rng, n):
    kind = rng.integers(0, 9)
    if kind == 0:
        v = rng.uniform(-1, 1, n)
    elif kind == 1:
        v = rng.integers(-1000, 1000, n).astype(float)
    elif kind == 2:
        v = rng.choice([-1, 1], n) * 10.0 ** rng.uniform(-30, 30, n)
    elif kind == 3:
        v = rng.integers(0, 100, n) / rng.choice([2, 4, 7, 8, 10, 3], n)
    elif kind == 4:
        v = rng.normal(0, 1e5, n)
    elif kind == 5:
        v = rng.uniform(0, 1e-3, n)
    elif kind == 6:
        v = rng.choice([0.0, -0.0, 1.0, 0.5, 100.0, 1e8, 1e-4, 99999999.0], n)
    elif kind == 7:
        v = rng.uniform(1e3, 1e9, n)
    else:
        v = rng.integers(0, 10, n).astype(float)
    specials = [np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308, 1e-4, 1e8, 1000.0]
    mask = rng.random(n) < rng.choice([0.0, 0.05, 0.3])
    if mask.any():
        v[mask] = rng.choice(specials, int(mask.sum()))
    return v


def values(rng, dtype, shape):
    n = int(np.prod(shape)) if shape else 1
    dt = np.dtype(dtype)
    if dt.kind == "f":
        with np.errstate(over="ignore"):
            v = float_values(rng, n).astype(dt)
    elif dt.kind == "c":
        with np.errstate(over="ignore", invalid="ignore"):
            v = (float_values(rng, n) + 1j * float_values(rng, n)).astype(dt)
    elif dt.kind in "Mm":
        span = [10**3, 10**6, 10**9, 10**12, 10**17][int(rng.integers(0, 5))]
        raw = rng.integers(-span, span, n, dtype=np.int64)
        nat = rng.random(n) < rng.choice([0.0, 0.1, 0.5])
        raw[nat] = np.iinfo(np.int64).min
        v = raw.view(dt if dt.isnative else dt.newbyteorder("="))
        if not dt.isnative:
            v = v.astype(dt)
    elif dt.kind == "O":
        pool = [None, 1, -2.5, "s", b"b", (1, 2), [1, [2]], {"k": 1}, True, 10**30, float("nan"), 1j, {1, 2}]
        v = np.empty(n, dtype=object)
        for i in range(n):
            v[i] = pool[int(rng.integers(0, len(pool)))]
    elif dt.kind == "U":
        v = np.array([str(rng.choice(WORDS)) for _ in range(n)], dtype=object).astype(dt)
    elif dt.kind == "S":
        v = np.array([str(rng.choice(WORDS)).encode("utf-8")[:4] for _ in range(n)], dtype=object).astype(dt)
    elif dt.kind == "b":
        v = rng.random(n) < 0.5
    else:
        info = np.iinfo(dt)
        r = rng.random()
        if r < 0.3:
            lo, hi = int(info.min), int(info.max)
        elif r < 0.6:
            lo, hi = max(int(info.min), -100), min(int(info.max), 100)
        else:
            lo, hi = 0, min(int(info.max), 10)
        v = np.array([int(rng.integers(lo, hi, endpoint=True, dtype=np.int64)) if hi < 2**63 else
                      int(rng.integers(0, 2**63 - 1)) * int(rng.integers(1, 3)) for _ in range(n)],
                     dtype=object).astype(dt)
    return v.reshape(shape).astype(dt)


def halves():
    """Every finite non-negative float16, and random float32 bit patterns,
    one per array: the shortest digits of the narrow widths."""
    for bits in range(0, 0x7C00):
        a = np.array([bits], dtype="<u2").view("<f2")
        emit(a, False)
    rng = np.random.default_rng(0)
    for bits in rng.integers(0, 2**32, 20000, dtype=np.uint64):
        a = np.array([bits], dtype="<u4").view("<f4")
        emit(a, False)


def dumps(a, protocol):
    """Protocol 2-5, or 6 for dill's spelling (`_create_array`)."""
    if protocol == 6:
        import dill

        return dill.dumps(a)
    return pickle.dumps(a, protocol=protocol)


def emit(a, fortran, protocol=4):
    order = "F" if fortran else "C"
    loaded = pickle.loads(dumps(a, protocol))
    case = {
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "fortran": fortran,
        # The array as pickle writes it (object arrays exist only so).
        "pickle": base64.b64encode(dumps(a, protocol)).decode(),
        "repr": repr(a),
        # What fleche gives back: numpy byte-swaps big-endian data to native
        # on a protocol < 5 pickle-read.
        "loaded_repr": repr(loaded),
    }
    if a.dtype.kind != "O":
        case["data"] = base64.b64encode(a.tobytes(order=order)).decode()
        # What np.save writes of the array as pickle gives it back.
        buf = io.BytesIO()
        np.save(buf, loaded)
        case["npy"] = base64.b64encode(buf.getvalue()).decode()
    print(json.dumps(case))


def main():
    if sys.argv[1] == "--narrow":
        return halves()
    seed, count = int(sys.argv[1]), int(sys.argv[2])
    small = "--small" in sys.argv
    rng = np.random.default_rng(seed)
    for _ in range(count):
        dtype = str(rng.choice(FLOATS + FLOATS + INTS + OTHERS + TIMES))
        shape = shape_for(rng, small)
        a = values(rng, dtype, shape)
        fortran = a.ndim >= 2 and rng.random() < 0.3
        if fortran:
            a = np.asfortranarray(a)
        emit(a, fortran, int(rng.integers(2, 7)))


if __name__ == "__main__":
    main()
