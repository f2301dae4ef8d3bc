"""Arrays as numpy 1.x pickles them (its module is `numpy.core`, numpy 2's
`numpy._core`): protocol-2 pickles of numpy 2 with the module renamed, as
numpy 1.x writes them, with repr() of what numpy 2 loads back (it still
reads `numpy.core`). Checked by crates/fleche-core/tests/it/values.rs.

    python numpy1.py > ../../crates/fleche-core/tests/data/python_values_numpy1.jsonl
"""

import base64
import json
import pickle

import numpy as np

from fleche.digest import digest


def values():
    yield "np1_floats", np.arange(6.0).reshape(2, 3)
    yield "np1_ints_fortran", np.asfortranarray(np.arange(6, dtype="i2").reshape(2, 3))
    yield "np1_big_endian", np.array([1.5, -2.0], dtype=">f8")
    yield "np1_str", np.array(["a", "bc"])
    yield "np1_object", np.array([1, None, "x"], dtype=object)
    yield "np1_datetime", np.array(["2024-05-17", "NaT"], dtype="M8[D]")
    yield "np1_scalar", np.float32(0.5)
    yield "np1_int_scalar", np.int64(-7)
    yield "np1_masked", np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    yield "np1_structured", np.array([(1, 2.5)], dtype=[("a", "<i4"), ("b", "<f8")])
    yield "np1_in_dict", {"x": np.ones(2), "y": np.bool_(True)}


def main():
    for name, value in values():
        data = pickle.dumps(value, protocol=2).replace(b"cnumpy._core.", b"cnumpy.core.")
        back = pickle.loads(data)
        try:
            key = str(digest(value))
        except Exception:  # a value fleche does not digest
            key = None
        print(json.dumps({
            "name": name,
            "style": "numpy1",
            "pickle": base64.b64encode(data).decode(),
            "repr": repr(back),
            "digest": key,
        }))


if __name__ == "__main__":
    main()
