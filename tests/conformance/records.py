"""Random masked and structured numpy arrays (and np.void records),
pickled, with repr() of what pickle gives back, one JSON object per line
as values.py writes them: the generated conformance of `masked_repr` and
`structured_repr` (crates/fleche-core/tests/it/values.rs).

    python records.py SEED COUNT

Values mix floats of every magnitude (narrow widths switch to scientific
form sooner than Python's floats), nan, ints, bools, complex and text;
shapes include one-row, multi-row, summarised (over 1,000 elements) and
empty; masks from none to all, and set fill values.
"""

import base64
import json
import pickle
import sys

import numpy as np

DTYPES = [np.dtype(x) for x in ["<f8", "<f4", "<i8", "<i4", "|u1", "|b1", "<c16", "<U4"]]


def values(rng, dt, n):
    if dt.kind == "f":
        v = [
            rng.uniform(-1, 1, n),
            rng.integers(-1000, 1000, n).astype(float),
            rng.uniform(-1e10, 1e10, n) * 10.0 ** rng.integers(-20, 20, n),
            np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
        ][int(rng.integers(0, 4))]
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        v = rng.integers(max(info.min, -10**6), min(info.max, 10**6), n)
    elif dt.kind == "b":
        v = rng.random(n) < 0.5
    elif dt.kind == "c":
        v = rng.normal(size=n) + 1j * rng.normal(size=n)
    else:
        v = np.array(["", "a", "bcd", "it's"])[rng.integers(0, 4, n)]
    return np.asarray(v).astype(dt)


def shape_for(rng):
    return [
        (int(rng.integers(1, 30)),),
        (int(rng.integers(1, 6)), int(rng.integers(1, 8))),
        (1, int(rng.integers(1, 9))),
        (int(rng.integers(1001, 1400)),),
        (0,),
    ][int(rng.integers(0, 5))]


def main(seed, count):
    rng = np.random.default_rng(seed)
    for i in range(count):
        shape = shape_for(rng)
        n = int(np.prod(shape))
        if rng.random() < 0.5:
            dt = DTYPES[int(rng.integers(0, len(DTYPES)))]
            mask = (rng.random(n) < rng.random()).reshape(shape)
            a = np.ma.masked_array(values(rng, dt, n).reshape(shape), mask=mask)
            if rng.random() < 0.3:
                a.fill_value = values(rng, dt, 1)[0]
            name = "masked"
        else:
            fields = [(f"f{j}", DTYPES[int(rng.integers(0, len(DTYPES)))])
                      for j in range(int(rng.integers(1, 4)))]
            a = np.zeros(shape, dtype=fields)
            for f, dt in fields:
                a[f] = values(rng, dt, n).reshape(shape)
            if n and rng.random() < 0.2:
                a = a.reshape(-1)[0]
            name = "structured"
        data = pickle.dumps(a, protocol=4)
        print(json.dumps({
            "name": f"{name}{i}",
            "style": "pickle",
            "pickle": base64.b64encode(data).decode(),
            "repr": repr(pickle.loads(data)),
            "digest": None,
        }))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
