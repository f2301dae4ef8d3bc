"""Regenerate the pickle corpus the Rust tests read (`tests/pickle_corpus.rs`).

Run with the venv that has fleche 0.22.2, numpy, pandas, cloudpickle and dill:

    /tmp/fl/venv/bin/python crates/fleche-core/tests/pickles/make_corpus.py

Writes `values/*.pkl` (one pickle per case and protocol), `cache/` (a real
fleche file cache: call records and destructured values written by fleche
itself) and `manifest.json`, which records for every file what Python says:
its type and, where fleche can digest it, fleche's digest.
"""

import collections
import dataclasses
import json
import os
import pickle
import shutil
import sys
import tempfile
from pathlib import Path

import cloudpickle
import dill
import numpy as np
import pandas as pd

import fleche
from fleche.caches import Cache
from fleche.digest import Digest, digest

HERE = Path(__file__).resolve().parent


@dataclasses.dataclass
class Point:
    x: int
    y: list


class Plain:
    def __init__(self):
        self.a = 1
        self.b = "two"


def type_name(v):
    t = type(v)
    if t.__module__ == "builtins":
        return t.__qualname__
    return f"{t.__module__}.{t.__qualname__}"


def fleche_digest(v):
    try:
        return str(digest(v))
    except Exception:
        return None


recursive = []
recursive.append(recursive)
shared = [1, 2]
shared_str = "shared" * 3

BUILTINS = {
    "none": None,
    "true": True,
    "false": False,
    "int_small": 7,
    "int_binint1_max": 255,
    "int_binint2": 65535,
    "int_neg1": -1,
    "int_neg_byte": -200,
    "int_binint": -(2**31),
    "int_binint_pos": 2**31 - 1,
    "int_long1": 2**31,
    "int_long1_neg": -(2**63) - 5,
    "int_big": 2**200 + 12345,
    "int_big_neg": -(3**300),
    "int_long4": 7**1000,
    "float": 1.5,
    "float_neg": -2.25e-300,
    "float_inf": float("inf"),
    "float_int_valued": 2.0,
    "complex": complex(1.5, -2.0),
    "str_ascii": "hello",
    "str_empty": "",
    "str_unicode": "h\u00e9llo \u4e16\u754c \U0001f600\n\\'\"",
    "str_long": "x" * 300,
    "bytes_empty": b"",
    "bytes": b"\x00\x01\xfe\xff ascii\n'\"\\",
    "bytes_long": bytes(range(256)) * 2,
    "bytearray": bytearray(b"\x00abc\xff"),
    "tuple_empty": (),
    "tuple1": (1,),
    "tuple3": (1, "a", None),
    "tuple_long": tuple(range(10)),
    "list": [1, 2.5, "three", b"four", None, True],
    "dict": {"a": 1, 2: "b", (1, 2): [3]},
    "nested": {"k": [1, (2, {"z": [None, [], {}]})], "e": ()},
    "memo_shared": [shared, shared, shared_str, shared_str, (shared,)],
    "set_ints": {1, 2, 3, 100, -5},
    "frozenset_ints": frozenset({4, 5, 6}),
    "set_empty": set(),
    "ordered_dict": collections.OrderedDict([("b", 1), ("a", [2])]),
    "defaultdict": collections.defaultdict(list, {"x": [1], "y": []}),
    "digest": Digest("60079f7901a9295349d1796c037afc132e81286f785ddeeb763104ef02363102"),
    "range": range(1, 10, 2),
}

NUMPY = {
    "np_f8": np.array([1.5, -2.0, 3.25]),
    "np_i4_be": np.array([1, -2, 3], dtype=">i4"),
    "np_u2": np.array([1, 65535], dtype="<u2"),
    "np_bool": np.array([True, False, True]),
    "np_unicode": np.array(["ab", "c\u00e9"]),
    "np_bytes": np.array([b"ab", b"c"]),
    "np_2d": np.arange(6, dtype="<i8").reshape(2, 3),
    "np_fortran": np.asfortranarray(np.arange(6, dtype=">f4").reshape(2, 3)),
    "np_object": np.array([1, "x", None], dtype=object),
    "np_datetime": np.array(["2020-01-01", "2021-06-30"], dtype="M8[ns]"),
    "np_complex": np.array([1 + 2j], dtype="<c16"),
    "np_empty": np.zeros((0, 3)),
    "np_scalar_f8": np.float64(1.5),
    "np_scalar_i8": np.int64(-42),
    "np_scalar_f4": np.float32(0.25),
    "np_scalar_bool": np.bool_(True),
}

OTHER = {
    "dataclass": Point(3, [1, 2]),
    "plain_object": Plain(),
    "recursive_list": recursive,
    "dataframe": pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
}


def dataclass_digest(v):
    return fleche_digest(v)


def write(out, name, data, value, *, protocol, serializer, digestible=True):
    path = out / name
    path.write_bytes(data)
    entry = {
        "type": type_name(value),
        "protocol": protocol,
        "serializer": serializer,
    }
    d = fleche_digest(value) if digestible else None
    if d is not None:
        entry["digest"] = d
    return entry


def main():
    values_dir = HERE / "values"
    cache_dir = HERE / "cache"
    for d in (values_dir, cache_dir):
        if d.exists():
            shutil.rmtree(d)
    values_dir.mkdir()
    manifest = {"values": {}, "cache": {}}

    def add(name, value, protocols, serializer="pickle", digestible=True):
        for p in protocols:
            if serializer == "pickle":
                data = pickle.dumps(value, protocol=p)
            elif serializer == "cloudpickle":
                data = cloudpickle.dumps(value, protocol=p)
            else:
                data = dill.dumps(value, protocol=p)
            fname = f"{name}.{serializer}.p{p}.pkl"
            manifest["values"][fname] = write(
                values_dir, fname, data, value, protocol=p, serializer=serializer,
                digestible=digestible,
            )

    for name, v in BUILTINS.items():
        # Sets of strings digest in an order that depends on PYTHONHASHSEED;
        # only integer sets are in the corpus.
        add(name, v, range(6), digestible=name != "range")
    for name, v in NUMPY.items():
        add(name, v, [2, 5])
    add("np_f8", NUMPY["np_f8"], [0])
    add("np_scalar_f8", NUMPY["np_scalar_f8"], [0])
    # A dataclass: fleche digests it as a record; the reader keeps it as an
    # object whose state the tests turn into a record.
    # fleche digests structured arrays field by field; the reader keeps them
    # as objects.
    add("np_structured", np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]), [2, 5],
        digestible=False)
    add("dataclass", OTHER["dataclass"], [0, 2, 4, 5])
    add("plain_object", OTHER["plain_object"], [0, 2, 5], digestible=False)
    add("recursive_list", OTHER["recursive_list"], [0, 2, 5], digestible=False)
    add("dataframe", OTHER["dataframe"], [5], digestible=False)
    add("nested", BUILTINS["nested"], [5], "cloudpickle")
    add("dataclass", OTHER["dataclass"], [5], "cloudpickle")
    add("lambda", lambda x, k=3: x + k, [5], "cloudpickle", digestible=False)

    # A class pickled by value (cloudpickle does that for __main__ classes).
    @dataclasses.dataclass
    class Local:
        a: int
        b: str

    Local.__module__ = "__main__"
    Local.__qualname__ = "Local"
    add("class_by_value", Local(1, "z"), [5], "cloudpickle", digestible=False)
    add("dill_dict_type", dict, [4], "dill", digestible=False)
    add("dill_defaultdict", collections.defaultdict(dict, {"runtime": {"walltime": 0.5}}), [4], "dill")
    add("nested", BUILTINS["nested"], [4], "dill")

    # A real fleche cache: records and destructured values, written by fleche.
    tmp = Path(tempfile.mkdtemp())
    try:
        cache = Cache.from_config({
            "values": {"type": "pickle", "root": str(tmp / "values"), "remaining_depth": 2},
            "calls": {"type": "pickle", "root": str(tmp / "calls")},
        })
        with fleche.cache(cache):
            @fleche.fleche
            def combine(a, b, c=None):
                return {"sum": [a, b], "both": (a, [b, [a]]), "p": Point(a, [[b], [a, b]])}

            combine(100, [1, [2, 3]], c={"k": [[1, 2], [3]], (1, (2, 3)): "v"})
            combine("x", ("y", [1, [2, [3]]]))
        shutil.copytree(tmp / "values", cache_dir / "values")
        shutil.copytree(tmp / "calls", cache_dir / "calls")
        values = cache.values
        for key in values.list():
            entry = {
                "raw_type": type_name(pickle.loads((cache_dir / "values" / key).read_bytes())),
                "children": sorted(str(c) for c in values.child_digests(key)),
                "mended_type": type_name(values.load(key)),
            }
            manifest["cache"]["values/" + key] = entry
        for key in cache.calls.list():
            rec = cache.calls.load(key)
            manifest["cache"]["calls/" + key] = {
                "raw_type": type_name(rec),
                "name": rec.name,
                "module": rec.module,
                "arguments": {k: str(v) for k, v in rec.arguments.items()},
                "result": None if rec.result is None else str(rec.result),
                "metadata_keys": sorted(rec.metadata),
            }
    finally:
        shutil.rmtree(tmp)

    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"{len(manifest['values'])} value pickles, {len(manifest['cache'])} cache files")


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    main()
