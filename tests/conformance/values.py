"""Values scientists cache, pickled the three ways fleche stores them
(pickle, cloudpickle, dill), with repr() of what unpickling gives back —
the conformance of `show` (crates/fleche-core/tests/it/values.rs).

    python values.py

writes one JSON object per line: {"name", "style", "pickle" (base64),
"repr", "digest"} (fleche's digest of the value unpickled, null where
fleche refuses to digest it). Addresses in reprs (" at 0x...") are masked as " at 0x?".
"""

import base64
import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import json
import os
import pathlib
import pickle
import re
import sys
import typing
import uuid
import zoneinfo

import cloudpickle
import dill
import numpy as np
import pandas as pd


@dataclasses.dataclass
class Run:
    name: str
    params: dict
    score: float = 0.0


class Point(typing.NamedTuple):
    x: int
    y: float


Pair = collections.namedtuple("Pair", ["left", "right"])


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 3


class Color(enum.Enum):
    RED = "r"
    BLUE = "b"


def values():
    utc = datetime.timezone.utc
    cet = datetime.timezone(datetime.timedelta(hours=1), "CET")
    yield "date", datetime.date(2024, 5, 17)
    yield "date_min", datetime.date(1, 1, 1)
    yield "datetime", datetime.datetime(2024, 5, 17, 12, 30)
    yield "datetime_s", datetime.datetime(2024, 5, 17, 12, 30, 5)
    yield "datetime_us", datetime.datetime(2024, 5, 17, 12, 30, 5, 123)
    yield "datetime_utc", datetime.datetime(2024, 5, 17, 12, 30, tzinfo=utc)
    yield "datetime_cet", datetime.datetime(2024, 5, 17, 0, 0, tzinfo=cet)
    yield "datetime_fold", datetime.datetime(2024, 10, 27, 2, 30, fold=1)
    yield "datetime_zone", datetime.datetime(2024, 5, 17, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
    yield "time", datetime.time(12, 30)
    yield "time_us", datetime.time(0, 0, 1, 5)
    yield "time_tz", datetime.time(8, 0, tzinfo=utc)
    yield "timedelta", datetime.timedelta(days=1, seconds=3600)
    yield "timedelta_zero", datetime.timedelta(0)
    yield "timedelta_neg", datetime.timedelta(microseconds=-1)
    yield "timedelta_us", datetime.timedelta(microseconds=250)
    yield "timezone_utc", utc
    yield "timezone_named", cet
    yield "timezone_offset", datetime.timezone(datetime.timedelta(hours=-5, minutes=-30))
    yield "zoneinfo", zoneinfo.ZoneInfo("America/New_York")
    yield "decimal", decimal.Decimal("1.10")
    yield "decimal_exp", decimal.Decimal("-1.5E+10")
    yield "decimal_nan", decimal.Decimal("NaN")
    yield "fraction", fractions.Fraction(1, 3)
    yield "fraction_int", fractions.Fraction(4, 2)
    yield "fraction_neg", fractions.Fraction(-7, 12)
    yield "uuid", uuid.UUID("12345678-1234-5678-1234-567812345678")
    yield "path", pathlib.PurePosixPath("data/run.csv")
    yield "path_posix", pathlib.PosixPath("/tmp/x")
    yield "range", range(0, 10, 2)
    yield "range_1", range(5)
    yield "range_neg", range(10, 0, -3)
    yield "slice", slice(1, 5, None)
    yield "slice_full", slice(None, None, 2)
    yield "pattern", re.compile(r"a+\d")
    yield "pattern_flags", re.compile("x", re.IGNORECASE | re.MULTILINE)
    yield "ordereddict", collections.OrderedDict([("a", 1), ("b", [2])])
    yield "ordereddict_empty", collections.OrderedDict()
    yield "defaultdict", collections.defaultdict(list, {"k": [1]})
    yield "counter", collections.Counter("abracadabra")
    yield "deque", collections.deque([1, 2, 3])
    yield "deque_maxlen", collections.deque([1, 2], maxlen=5)
    yield "dataclass", Run("fit", {"lr": 0.1}, 0.93)
    yield "namedtuple_typing", Point(1, 2.5)
    yield "namedtuple", Pair("l", None)
    yield "intenum", Level.HIGH
    yield "enum", Color.BLUE
    yield "complex", complex(1, -2)
    yield "bytearray", bytearray(b"\x00ab")
    yield "frozenset", frozenset({1, 2})
    yield "np_float64", np.float64(2.5)
    yield "np_float32", np.float32(0.1)
    yield "np_int8", np.int8(-3)
    yield "np_uint64", np.uint64(2**64 - 1)
    yield "np_bool", np.True_
    yield "np_complex", np.complex128(1 + 2j)
    yield "np_str", np.str_("hé")
    yield "np_datetime", np.datetime64("2024-05-17T12:30")
    yield "np_timedelta", np.timedelta64(5, "s")
    yield "np_float16", np.float16(0.1)
    yield "np_float64_nan", np.float64("nan")
    yield "np_float32_big", np.float32(3e20)
    yield "np_float64_neg0", np.float64(-0.0)
    yield "np_complex64", np.complex64(0.1 + 0.2j)
    yield "np_complex_imag", np.complex128(2j)
    yield "np_int64_big", np.int64(-2**63)
    yield "np_uint8", np.uint8(200)
    yield "np_false", np.False_
    yield "np_bytes", np.bytes_(b"ab")
    yield "np_datetime_nat", np.datetime64("NaT", "D")
    yield "np_datetime_10s", np.datetime64(5, "10s")
    yield "np_timedelta_nat", np.timedelta64("NaT", "s")
    yield "np_array_dt", np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")
    yield from pandas_values()


def pandas_values():
    """pandas objects as a script prints them (width 80, max_rows 60)."""
    # What a script sees: no terminal, so pandas assumes 80 x 24.
    os.environ["COLUMNS"], os.environ["LINES"] = "80", "24"
    nan = float("nan")
    rng = np.random.default_rng(7)
    yield "pd_index_int", pd.Index([1, 2, 3])
    yield "pd_index_float", pd.Index([1.5, nan, -3.0])
    yield "pd_index_str", pd.Index(["a", "bb", "ccc"])
    yield "pd_index_object", pd.Index(["a", 1, None], dtype=object)
    yield "pd_index_named", pd.Index([10, 20], name="k")
    yield "pd_index_long", pd.Index(list(range(200)))
    yield "pd_index_str_long", pd.Index([f"item{i}" for i in range(30)])
    yield "pd_index_empty", pd.Index([], dtype="int64")
    yield "pd_index_bool", pd.Index([True, False])
    yield "pd_rangeindex", pd.RangeIndex(10)
    yield "pd_rangeindex_step", pd.RangeIndex(2, 20, 3, name="r")
    yield "pd_datetimeindex", pd.DatetimeIndex(["2024-01-01", "2024-01-02", None])
    yield "pd_date_range", pd.date_range("2024-01-01", periods=5, freq="D")
    yield "pd_date_range_h", pd.date_range("2024-01-01", periods=3, freq="h")
    yield "pd_multiindex", pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", "n"])
    yield "pd_categoricalindex", pd.CategoricalIndex(["x", "y", "x"])
    yield "pd_categorical", pd.Categorical(["a", "b", "a", None])
    yield "pd_categorical_ordered", pd.Categorical([3, 1, 2], ordered=True)
    yield "pd_series_int", pd.Series([1, 2, 3])
    yield "pd_series_float", pd.Series([0.1, nan, 2.5e-3])
    yield "pd_series_bool", pd.Series([True, False])
    yield "pd_series_str", pd.Series(["x", None, "zz"], name="s")
    yield "pd_series_object", pd.Series([1, "a", None, [1, 2]], dtype=object)
    yield "pd_series_named_index", pd.Series([1.0, 2.0], index=pd.Index(["a", "b"], name="key"), name="v")
    yield "pd_series_long", pd.Series(np.arange(100), name="x")
    yield "pd_series_long_float", pd.Series(np.linspace(0, 1, 100))
    yield "pd_series_datetime", pd.Series(pd.to_datetime(["2024-01-01 00:00", None, "2024-03-01 12:30"]))
    yield "pd_series_dates", pd.Series(pd.date_range("2024-01-01", periods=3))
    yield "pd_series_category", pd.Series(pd.Categorical(["lo", "hi", "lo"]))
    yield "pd_series_empty", pd.Series([], dtype="float64")
    yield "pd_series_big", pd.Series([1e10, 1.5, -2.0])
    yield "pd_series_small", pd.Series([1e-10, 1.5])
    yield "pd_series_int32", pd.Series(np.array([1, -2], dtype="int32"))
    yield "pd_series_uint8", pd.Series(np.array([1, 200], dtype="uint8"))
    yield "pd_series_float32", pd.Series(np.array([0.1, 2.0], dtype="float32"))
    yield "pd_series_dateindex", pd.Series([1, 2, 3], index=pd.date_range("2024-01-01", periods=3))
    yield "pd_series_multiindex", pd.Series([1, 2, 3], index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)]))
    yield "pd_df_small", pd.DataFrame({"a": [1, 2, 3], "b": [1.5, nan, 3.0], "s": ["x", "y", None]})
    yield "pd_df_ints", pd.DataFrame({"x": [1, 20, 300], "y": [-1, 0, 1]})
    yield "pd_df_floats", pd.DataFrame({"f": [0.1, 0.25, 1 / 3], "g": [1e6, 2e7, 3.0]})
    yield "pd_df_bool", pd.DataFrame({"ok": [True, False], "n": [1, 2]})
    yield "pd_df_object", pd.DataFrame({"o": pd.Series([1, "two", None, 3.5], dtype=object)})
    yield "pd_df_str", pd.DataFrame({"name": ["alice", "bob"], "city": ["Paris", None]})
    yield "pd_df_datetime", pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00", "2024-01-02 03:04:05", None]), "v": [1, 2, 3]})
    yield "pd_df_dates", pd.DataFrame({"d": pd.date_range("2024-01-01", periods=3)})
    yield "pd_df_category", pd.DataFrame({"c": pd.Categorical(["a", "b", "a"]), "v": [1.0, 2.0, 3.0]})
    yield "pd_df_named_axes", pd.DataFrame([[1, 2], [3, 4]], index=pd.Index(["r1", "r2"], name="row"), columns=pd.Index(["c1", "c2"], name="col"))
    yield "pd_df_index_name", pd.DataFrame({"v": [1, 2]}, index=pd.Index([10, 20], name="id"))
    yield "pd_df_long", pd.DataFrame({"a": np.arange(100), "b": np.arange(100) * 0.5})
    yield "pd_df_61", pd.DataFrame({"a": np.arange(61)})
    yield "pd_df_60", pd.DataFrame({"a": np.arange(60)})
    yield "pd_df_wide", pd.DataFrame(np.arange(30).reshape(2, 15) * 1000, columns=[f"column_{i}" for i in range(15)])
    yield "pd_df_very_wide", pd.DataFrame(np.arange(50).reshape(2, 25), columns=[f"c{i}" for i in range(25)])
    yield "pd_df_wide_long", pd.DataFrame(np.arange(25 * 70).reshape(70, 25))
    yield "pd_df_empty", pd.DataFrame()
    yield "pd_df_empty_cols", pd.DataFrame(columns=["a", "b"])
    yield "pd_df_multiindex", pd.DataFrame({"v": [1, 2, 3]}, index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1)], names=["k", "n"]))
    yield "pd_df_random", pd.DataFrame(rng.normal(size=(5, 3)), columns=["x", "y", "z"])
    yield "pd_df_int_columns", pd.DataFrame([[1.0, 2.0]], columns=[0, 1])
    yield "pd_df_str_index", pd.DataFrame({"v": [1, 2]}, index=["first", "second"])
    yield "pd_df_nan_only", pd.DataFrame({"a": [nan, nan]})
    yield "pd_df_mixed", pd.DataFrame({"i": [1, 2], "f": [1.5, 2.25], "b": [True, False], "s": ["a", "b"], "t": pd.to_datetime(["2024-05-17 00:00", "2024-05-18 12:00"])})
    yield "pd_df_neg_floats", pd.DataFrame({"a": [-1.5, 2.0, -0.001]})
    yield "pd_df_long_strings", pd.DataFrame({"s": ["x" * 60, "short"]})
    # A Series of more than 1 KiB: its pickled state holds each array twice.
    yield "pd_series_250", pd.Series(np.arange(250) * 0.5, index=pd.Index(np.arange(250) * 2, name="k"), name="half")
    # Past 80 columns pandas pairs the shown labels with the first dtypes.
    yield "pd_df_90_columns", pd.DataFrame({f"c{j}": (np.arange(3) * 1.5 if j % 2 else pd.Series(["a", None, "b"], dtype=object)) for j in range(90)})
    yield "pd_df_empty_90_columns", pd.DataFrame(columns=[f"column_{j}" for j in range(90)])
    yield "pd_df_multiindex_long", pd.DataFrame({"v": np.arange(100)}, index=pd.MultiIndex.from_arrays([[f"g{i // 7}" for i in range(100)], list(range(100))]))
    yield "pd_categoricalindex_many", pd.CategoricalIndex([f"c{i}" for i in range(15)])
    yield "pd_categorical_many", pd.Categorical([f"c{i}" for i in range(15)])
    yield "pd_categorical_long", pd.Categorical(np.arange(30) % 12)
    yield "pd_multiindex_wide", pd.MultiIndex.from_tuples([("a" * 30, "b" * 30, 1), ("c", "d", 2)])
    yield "pd_multiindex_long", pd.MultiIndex.from_arrays([np.arange(150) // 10, np.arange(150)])
    yield "pd_multiindex_nan", pd.MultiIndex.from_arrays([["a", None, "b"], [1, 2, None]])
    yield "pd_series_tuple_name", pd.Series([1, 2], name=("a", 1))
    yield "pd_series_category_int_nan", pd.Series(pd.Categorical([1, None, 2]))
    yield "pd_df_tabs", pd.DataFrame({"s": ["a\tb", "c\nd"]})
    yield "pd_df_column_multiindex", pd.DataFrame([[1, 2, 3]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "x")]))
    yield "pd_df_inf", pd.DataFrame({"f": [np.inf, -np.inf, 1.0]})
    yield "pd_df_ns", pd.DataFrame({"t": pd.to_datetime(["2024-01-01 00:00:00.000000001"]).as_unit("ns")})
    yield "pd_df_string_na", pd.DataFrame({"s": pd.array(["a", None], dtype="string")})
    yield "pd_df_uint64", pd.DataFrame({"u": np.array([2**64 - 1, 0], dtype="uint64")})
    # Object cells print as str(): dates, times, Decimal, paths, UUIDs.
    yield "pd_df_stdlib_objects", pd.DataFrame({"d": [datetime.date(2024, 5, 17), None], "dt": [datetime.datetime(2024, 5, 17, 12, 30), datetime.datetime(2024, 5, 17, 12, 30, 5, 123)], "x": [decimal.Decimal("1.10"), fractions.Fraction(1, 3)]})
    yield "pd_df_stdlib_objects2", pd.DataFrame({"p": [pathlib.PurePosixPath("a/b"), uuid.UUID(int=1)], "t": [datetime.time(12, 30), datetime.timedelta(days=1, seconds=5)], "n": [datetime.timedelta(microseconds=-1), datetime.time(0, 0, 1, 5)]})
    yield "pd_index_dates", pd.Index([datetime.date(2024, 5, 17), datetime.date(2024, 5, 18)])


def main():
    styles = {
        "pickle": lambda v: pickle.dumps(v, protocol=4),
        "cloudpickle": cloudpickle.dumps,
        "dill": dill.dumps,
    }
    for name, value in values():
        for style, dumps in styles.items():
            try:
                data = dumps(value)
                back = pickle.loads(data) if style != "dill" else dill.loads(data)
            except Exception as e:  # a value a style cannot pickle is skipped
                print(f"skip {name} {style}: {e}", file=sys.stderr)
                continue
            text = re.sub(r" at 0x[0-9a-f]+", " at 0x?", repr(back))
            try:
                from fleche.digest import digest

                key = str(digest(back))
            except Exception:  # a value fleche does not digest
                key = None
            print(json.dumps({
                "name": name,
                "style": style,
                "pickle": base64.b64encode(data).decode(),
                "repr": text,
                "digest": key,
            }))


if __name__ == "__main__":
    main()
