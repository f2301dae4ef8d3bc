"""Write each value both as a protocol-4 pickle and as a bagofholding HDF5
bag (as fleche's `bagofholding_hdf` store does), for the core's test that
the HDF5 reader builds the same value tree as the pickle reader.

Run:  python hdf5_pairs.py OUTDIR   (needs bagofholding 0.1.16, h5py, numpy)

Dicts keyed by simple strings come back from HDF5 with their keys sorted
(h5py lists a group's members by name), so the values here keep such keys
in sorted order; `str_key_order` is the one case that does not, and is
compared with its keys sorted.
"""

import collections
import dataclasses
import json
import pickle
import sys
from pathlib import Path

import numpy as np
from bagofholding import H5Bag
from fleche.digest import Digest


@dataclasses.dataclass
class Point:
    x: float
    y: int


class Node:
    """Attributes set in name order, so the pickled state dict is sorted."""

    def __init__(self, name):
        self.child = None
        self.me = self
        self.name = name


def shared():
    s = [1, 2]
    return [s, s, (s,)]


def cyclic_list():
    l = [1]
    l.append(l)
    return l


VALUES = {
    "none": None,
    "true": True,
    "int": -7,
    "uint64": 2**64 - 1,
    "bigint": -(2**100) + 3,
    "float": 2.5,
    "inf": float("inf"),
    "complex": complex(-1.0, 0.5),
    "str": "héllo ✓",
    "empty_str": "",
    "bytes": b"\x00ab\xff",
    "empty_bytes": b"",
    "bytearray": bytearray(b"xy"),
    "list": [1, [2.0, None], "a"],
    "tuple": (1, (2, (3,))),
    "set": {1, 2, 3, (4, 5)},
    "frozenset": frozenset({"b", "a"}),
    "str_dict": {"a": 1, "b": {"c": [1]}},
    "dict": {1: "x", (2, 3): None, "s": b"b"},
    "many_keys": {f"k{i:02d}": i for i in range(12)},
    "str_key_order": {"zeta": 1, "alpha": 2},
    "shared": shared(),
    "cyclic_list": cyclic_list(),
    "dataclass": Point(1.5, 2),
    "node": Node("n"),
    "digest": Digest("ab" * 32),
    "ordered": collections.OrderedDict([("b", 1), ("a", 2)]),
    "defaultdict": collections.defaultdict(list, {"k": [1]}),
    "f8": np.array([1.5, -2.0]),
    "i4_2d": np.arange(6, dtype="i4").reshape(2, 3),
    "u1": np.array([0, 255], dtype="u1"),
    "bool_arr": np.array([True, False]),
    "c16": np.array([1 + 2j]),
    "f4": np.array([0.1, 0.2], dtype="f4"),
    "f2": np.array([0.5], dtype="f2"),
    "big_endian": np.array([1, 2], dtype=">i4"),
    "empty_arr": np.zeros((0, 3)),
    "unicode_arr": np.array(["a", "bc"]),
    "object_arr": np.array([1, "x", None], dtype=object),
    "f8_scalar": np.float64(2.25),
    "i4_scalar": np.int32(-3),
}


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, v in VALUES.items():
        (out / f"{name}.pkl").write_bytes(pickle.dumps(v, protocol=4))
        H5Bag.save(v, out / f"{name}.h5")
    (out / "names.json").write_text(json.dumps(list(VALUES)))


if __name__ == "__main__":
    main(sys.argv[1])
