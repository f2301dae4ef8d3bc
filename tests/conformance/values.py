"""Values scientists cache, pickled the three ways fleche stores them
(pickle, cloudpickle, dill), with repr() of what unpickling gives back —
the conformance of `show` (crates/fleche-core/tests/it/values.rs).

    PYTHONHASHSEED=0 python values.py   (sets of dates iterate by hash)

writes one JSON object per line: {"name", "style", "pickle" (base64),
"repr", "digest"} (fleche's digest of the value as it was stored, the
name of its file; null where fleche refuses to digest it: a big-endian
array comes back native from pickle, so its digest is taken before). Addresses in reprs (" at 0x...") are masked as " at 0x?".
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
    yield from builtin_values()
    yield from ndarray_values()
    yield from pandas_values()


def _square(x):
    return x * x


class Model:
    pass


def builtin_values():
    """Python's own types, as results hold them: numbers at their edges,
    text needing escapes, containers nested and shared."""
    # Functions and classes: by reference in pickle, by value in
    # cloudpickle and dill (defined in this script's __main__).
    yield "builtin_function", _square
    yield "builtin_lambda", lambda y: y + 1
    yield "builtin_class", Model
    yield "builtin_functions_in_dict", {"f": _square, "cls": Model}
    yield "builtin_none", None
    yield "builtin_true", True
    yield "builtin_false", False
    yield "builtin_int_0", 0
    yield "builtin_int_neg", -17
    yield "builtin_int_2_63", 2**63
    yield "builtin_int_neg_2_64", -(2**64) + 1
    yield "builtin_int_big", 3**200
    yield "builtin_float", 0.1
    yield "builtin_float_third", 1 / 3
    yield "builtin_float_big", 1e300
    yield "builtin_float_tiny", 5e-324
    yield "builtin_float_1e16", 1e16
    yield "builtin_float_1e15", 123456789012345.6
    yield "builtin_float_neg0", -0.0
    yield "builtin_float_inf", float("inf")
    yield "builtin_float_ninf", float("-inf")
    yield "builtin_float_nan", float("nan")
    yield "builtin_float_int", 3.0
    yield "builtin_float_exp", 1.5e-7
    yield "builtin_complex_zero", complex(0, 0)
    yield "builtin_complex_nan", complex(float("nan"), float("inf"))
    yield "builtin_complex_neg0", complex(-0.0, -0.0)
    yield "builtin_str_empty", ""
    yield "builtin_str", "hello"
    yield "builtin_str_quote", "it's"
    yield "builtin_str_both_quotes", "it's \"x\""
    yield "builtin_str_escapes", "tab\tnew\nline\r\\ back"
    yield "builtin_str_control", "\x00\x07\x1b[31m\x7f"
    yield "builtin_str_unicode", "héllo wörld ✓ 日本語"
    yield "builtin_str_astral", "emoji 🎉 \U0001f600"
    yield "builtin_str_nonprint", "\u200b\u202e\ufeff\xa0\xad"
    yield "builtin_str_surrogate", "\ud800"
    yield "builtin_str_long", "x" * 5000
    yield "builtin_bytes_empty", b""
    yield "builtin_bytes", b"abc"
    yield "builtin_bytes_quote", b"it's"
    yield "builtin_bytes_both", b"'\""
    yield "builtin_bytes_binary", bytes(range(0, 256, 7))
    yield "builtin_bytearray_empty", bytearray()
    yield "builtin_list_empty", []
    yield "builtin_list", [1, 2.5, "x", None, True]
    yield "builtin_list_nested", [[1, [2, [3, [4]]]], []]
    yield "builtin_list_long", list(range(300))
    yield "builtin_tuple_empty", ()
    yield "builtin_tuple_1", (1,)
    yield "builtin_tuple", (1, "a", (2, 3))
    yield "builtin_dict_empty", {}
    yield "builtin_dict", {"a": 1, "b": [1, 2], "c": {"d": None}}
    yield "builtin_dict_int_keys", {3: "c", 1: "a", 2: "b"}
    yield "builtin_dict_tuple_keys", {(1, 2): "x", (0, "a"): [1]}
    yield "builtin_dict_mixed_keys", {1: "int", "1": "str", 1.5: "float", None: "none", b"k": "bytes"}
    yield "builtin_dict_nested", {"run": {"params": {"lr": 0.01, "layers": [64, 32]}, "scores": (0.9, 0.95)}}
    yield "builtin_set_empty", set()
    yield "builtin_set_ints", {3, 1, 2, 100, -5}
    yield "builtin_set_tuples", {(1, 2), (3, 4)}
    yield "builtin_frozenset_empty", frozenset()
    yield "builtin_set_floats", {0.5, 1.5, -2.25}
    shared = [1, 2]
    yield "builtin_shared", [shared, shared, {"k": shared}]
    cyclic = [1]
    cyclic.append(cyclic)
    yield "builtin_cycle_list", cyclic
    d = {"name": "d"}
    d["self"] = d
    yield "builtin_cycle_dict", d
    yield "builtin_mixed_record", {"x": 100, "y": [0.5, 1e-9], "ok": True, "label": "run-7", "t": (1, None)}
    yield "builtin_list_of_dicts", [{"i": i, "sq": i * i} for i in range(20)]
    yield "builtin_deep", [[[[[[[[[[1]]]]]]]]]]
    yield "builtin_ellipsis", ...
    yield "builtin_notimplemented", NotImplemented
    yield "builtin_type_int", int
    yield "builtin_dict_str_values", {"path": "/tmp/a b", "quote": "'\"", "nl": "a\nb"}
    yield "builtin_float_list", [0.1, 0.2, 0.30000000000000004, 1e-5, 1e22, 1.0]
    yield "builtin_range_empty", range(0)


def ndarray_values():
    """numpy arrays of the shapes and dtypes results have."""
    rng = np.random.default_rng(7)
    yield "ndarray_linspace", np.linspace(0, 1, 5)
    yield "ndarray_arange_2d", np.arange(12).reshape(3, 4)
    yield "ndarray_arange_3d", np.arange(24).reshape(2, 3, 4)
    yield "ndarray_random", rng.random(7)
    yield "ndarray_normal_2d", rng.normal(size=(4, 3))
    yield "ndarray_big", np.arange(2000.0)
    yield "ndarray_big_2d", np.arange(3000).reshape(100, 30)
    yield "ndarray_f32", np.array([0.1, 1.5, -2.0], dtype=np.float32)
    yield "ndarray_f16", np.array([0.1, 65504], dtype=np.float16)
    yield "ndarray_specials", np.array([np.nan, np.inf, -np.inf, -0.0, 1.0])
    yield "ndarray_sci", np.array([1e-10, 1.0, 1e10])
    yield "ndarray_tiny", np.array([1e-300, 5e-324])
    yield "ndarray_int8", np.array([-128, 0, 127], dtype=np.int8)
    yield "ndarray_uint16", np.array([0, 65535], dtype=np.uint16)
    yield "ndarray_int32", np.array([1, -2, 3], dtype=np.int32)
    yield "ndarray_uint64", np.array([0, 2**64 - 1], dtype=np.uint64)
    yield "ndarray_bool", np.array([True, False, True])
    yield "ndarray_bool_2d", np.eye(3, dtype=bool)
    yield "ndarray_complex", np.array([1 + 2j, -0.5j, np.nan + 1j])
    yield "ndarray_complex64", np.array([1 + 2j], dtype=np.complex64)
    yield "ndarray_str", np.array(["a", "bcd", ""])
    yield "ndarray_str_unicode", np.array(["héllo", "✓"])
    yield "ndarray_bytes", np.array([b"ab", b"\x00c"])
    yield "ndarray_object", np.array([1, "a", None, [2]], dtype=object)
    yield "ndarray_0d", np.array(3.5)
    yield "ndarray_0d_int", np.array(7, dtype=np.int16)
    yield "ndarray_empty", np.array([])
    yield "ndarray_empty_2d", np.zeros((0, 3))
    yield "ndarray_empty_int", np.array([], dtype=np.int32)
    yield "ndarray_fortran", np.asfortranarray(np.arange(6).reshape(2, 3))
    yield "ndarray_bigendian", np.array([1.5, 2.5], dtype=">f8")
    yield "ndarray_bigendian_int", np.array([1, 256], dtype=">i4")
    yield "ndarray_zeros", np.zeros(5)
    yield "ndarray_ones_int", np.ones((2, 2), dtype=np.int64)
    yield "ndarray_wide", np.arange(40.0) / 7
    yield "ndarray_dt_s", np.array(["2024-05-17T12:30:05", "NaT"], dtype="datetime64[s]")
    yield "ndarray_dt_ns", np.array([0, 10**18], dtype="datetime64[ns]")
    yield "ndarray_td", np.array([1, -2, 3], dtype="timedelta64[h]")
    yield "ndarray_big_int", np.arange(10**4) * 1000
    yield "ndarray_big_bool", np.zeros(2000, dtype=bool)
    yield "ndarray_mixed_magnitude", np.array([1.0, 1000.5, 0.001])
    yield "ndarray_column", np.arange(5.0).reshape(5, 1)
    yield "ndarray_4d", np.arange(16).reshape(2, 2, 2, 2)
    yield "ndarray_list_of_arrays", [np.arange(3), np.zeros(2)]
    yield "ndarray_dict_of_arrays", {"x": np.arange(3.0), "y": np.array([True])}
    yield "ndarray_scalars_list", [np.float64(1.5), np.int32(3), np.bool_(False)]


# --- values helper ---
# Enums and namedtuples of every kind, and more standard-library and numpy
# values (#16 items 1, 5). Appended to values() without touching it.


class Perm(enum.IntFlag):
    R = 4
    W = 2
    X = 1


class Style(enum.Flag):
    BOLD = 1
    ITALIC = 2
    UNDERLINE = 4


class Shade(enum.StrEnum):
    DARK = "dark"
    LIGHT = "light"


class Pos(enum.Enum):
    ORIGIN = (0, 0)
    UNIT = (1, 1)


class Plain(enum.Enum):
    A = 1
    B = 2.5


Triple = collections.namedtuple("Triple", "a b c", defaults=(None,))


class Sample(typing.NamedTuple):
    name: str
    values: list
    weight: float = 1.0


def _values_helper():
    yield "intflag", Perm.R
    yield "intflag_combo", Perm.R | Perm.W
    yield "intflag_zero", Perm(0)
    yield "intflag_extra", Perm(15)
    yield "flag", Style.ITALIC
    yield "flag_combo", Style.BOLD | Style.UNDERLINE
    yield "flag_zero", Style(0)
    yield "strenum", Shade.DARK
    yield "enum_tuple", Pos.UNIT
    yield "enum_float", Plain.B
    yield "enum_in_list", [Color.RED, Level.LOW, Shade.LIGHT]
    yield "enum_dict_key", {Level.HIGH: "h", Level.LOW: "l"}
    yield "namedtuple_defaults", Triple(1, 2)
    yield "namedtuple_nested", Triple(Pair(1, 2), Point(3, 4.5), [Pair("a", "b")])
    yield "namedtuple_typing_defaults", Sample("s", [1, 2])
    yield "namedtuple_empty_values", Sample("", [], 0.0)
    yield "namedtuples_in_dict", {"p": Pair(None, ()), "q": Point(-1, float("inf"))}
    yield from _pandas_scalars()
    yield from _more_values()


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: int
    b: tuple = ()


@dataclasses.dataclass
class Outer:
    inner: Run
    tags: list = dataclasses.field(default_factory=list)


class Bag:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _more_values():
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    yield "datetime_tokyo", datetime.datetime(2024, 5, 17, 9, 0, tzinfo=tokyo)
    yield "datetime_max", datetime.datetime.max
    yield "datetime_min", datetime.datetime.min
    yield "datetime_offset_seconds", datetime.datetime(
        2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1, seconds=30)))
    yield "date_max", datetime.date.max
    yield "time_max", datetime.time.max
    yield "time_fold", datetime.time(1, 30, fold=1)
    yield "timedelta_max", datetime.timedelta.max
    yield "timedelta_min", datetime.timedelta.min
    yield "timezone_min", datetime.timezone.min
    yield "dates_in_set", {datetime.date(2024, 1, 1), datetime.date(2024, 1, 2)}
    yield "decimal_inf", decimal.Decimal("-Infinity")
    yield "decimal_tiny", decimal.Decimal("1E-30")
    yield "fraction_big", fractions.Fraction(10**30, 7)
    yield "uuid_nil", uuid.UUID(int=0)
    yield "path_root", pathlib.PurePosixPath("/")
    yield "path_quote", pathlib.PurePosixPath("it's/here")
    yield "frozen_dataclass", Frozen(1, (2, 3))
    yield "nested_dataclass", Outer(Run("a", {}), ["x"])
    yield "dict_instance", Bag(x=1, y=[2])
    yield "set_of_tuples", {(1, 2), (3, 4)}
    yield "frozenset_of_str", frozenset({"a"})
    yield "bytes_all", bytes(range(256))
    yield "bytes_quotes", b"'\"\\"
    yield "bytes_empty", b""
    yield "str_quotes", "it's \"quoted\""
    yield "str_unicode", "\u00e9\u4e2d\U0001f600\x00\u200b"
    yield "big_int", 2**200
    yield "neg_big_int", -(3**99)
    yield "floats", [0.1, 1e16, 1e-5, -0.0, float("nan"), float("inf"), 1.7976931348623157e308, 5e-324]
    yield "complexes", [complex(0, -1), complex(-0.0, 1), complex(float("nan"), 2)]
    yield "np_scalars_list", [np.float64(1.5), np.int32(7), np.bool_(False), np.uint16(9)]
    yield "np_scalars_dict", {"a": np.float32(0.25), "b": (np.int64(3), np.complex64(1j))}
    yield "np_longdouble_free_mix", (np.float16(-2.5), np.int16(-32768), np.uint32(2**32 - 1))
    for dtype in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16", "?"]:
        yield f"np_array_{dtype}", np.arange(6).astype(dtype).reshape(2, 3)
    for unit in ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns"]:
        yield f"np_array_M8_{unit}", np.array(["2024-05-17T12:30:05.123456789", "NaT"], dtype=f"M8[{unit}]")
        yield f"np_array_m8_{unit}", np.array([1, -2, "NaT"], dtype=f"m8[{unit}]")
    yield "np_array_0d", np.array(3.5)
    yield "np_array_0d_str", np.array("x")
    yield "np_array_empty", np.zeros((0,), dtype="i4")
    yield "np_array_empty_2d", np.zeros((3, 0))
    yield "np_array_fortran", np.asfortranarray(np.arange(12.0).reshape(3, 4))
    yield "np_array_big_endian", np.arange(4, dtype=">f8")
    yield "np_array_big_endian_i2", np.array([1, -300], dtype=">i2")
    yield "np_array_str", np.array(["a", "bb", "ccc"])
    yield "np_array_bytes", np.array([b"x", b"yz"])
    yield "np_array_object", np.array([1, "a", None, [2]], dtype=object)
    yield "np_array_3d", np.arange(24).reshape(2, 3, 4)
    yield "np_array_summarised", np.arange(2000)
    yield "np_array_wide_floats", np.linspace(0, 1, 30)
    yield "np_arrays_in_dict", {"x": np.ones(3), "y": np.array([True])}
    ma = np.ma
    yield "masked_ints", ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    yield "masked_floats", ma.masked_array([0.1, 2.5, -1.0, 1e20], mask=[0, 0, 1, 0])
    yield "masked_float32", ma.masked_array(np.array([0.1, 2.0], dtype="f4"), mask=[1, 0])
    yield "masked_none", ma.masked_array([1.5, 2.5])
    yield "masked_all", ma.masked_array([1, 2], mask=True)
    yield "masked_2d", ma.masked_array(np.arange(6).reshape(2, 3), mask=[[0, 1, 0], [1, 0, 0]])
    yield "masked_one_row_2d", ma.masked_array([[1, 2, 3]], mask=[[0, 0, 1]])
    yield "masked_bool", ma.masked_array([True, False], mask=[0, 1])
    yield "masked_str", ma.masked_array(["a", "bc", "d"], mask=[0, 1, 0])
    yield "masked_int8", ma.masked_array(np.array([1, -2], dtype="i1"), mask=[1, 0])
    yield "masked_fill", ma.masked_array([1.0, 2.0], mask=[0, 1], fill_value=-9.5)
    yield "masked_empty", ma.masked_array(np.zeros(0))
    yield "masked_long", ma.masked_array(np.arange(2000), mask=np.arange(2000) % 3 == 0)
    yield "masked_wide", ma.masked_array(np.linspace(0, 1, 40), mask=np.arange(40) % 7 == 0)
    yield "masked_complex", ma.masked_array([1 + 2j, 3j], mask=[0, 1])
    rec = [("a", "<i4"), ("b", "<f8")]
    yield "structured", np.array([(1, 2.5)], dtype=rec)
    yield "structured_rows", np.array([(1, 2.5), (-300, 0.125), (7, float("nan"))], dtype=rec)
    yield "structured_one_field", np.array([(1,), (2,)], dtype=[("x", "<i8")])
    yield "structured_text", np.array([("ab", b"x", True), ("c", b"yz", False)],
                                      dtype=[("name", "<U3"), ("code", "S2"), ("ok", "?")])
    yield "structured_2d", np.zeros((2, 2), dtype=[("u", "u1"), ("f", "<f4")])
    yield "structured_empty", np.zeros(0, dtype=rec)
    yield "structured_long", np.array([(i, i / 3) for i in range(1500)], dtype=rec)
    yield "structured_in_list", [np.array([(1, 2.0)], dtype=rec)]
    mixed = np.array([(1.0, -0.0, 1e20, 3j, False, 255, "ab", b"x")],
                     dtype=[("a", "<f8"), ("b", "<f4"), ("c", "<f8"), ("d", "<c16"), ("e", "?"),
                            ("f", "u1"), ("g", "<U3"), ("h", "S2")])
    yield "void", np.array([(1, 2.5)], dtype=rec)[0]
    yield "void_mixed", mixed[0]
    yield "void_one_field", np.array([(True,)], dtype=[("x", "?")])[0]
    # numpy prints narrow scalars in scientific form sooner than Python.
    yield "np_float32_1e6", np.float32(1e6)
    yield "np_float32_999999", np.float32(999999.0)
    yield "np_float32_1e10", np.float32(1.5e10)
    yield "np_float32_1e-4", np.float32(1e-4)
    yield "np_float16_1e3", np.float16(1000)
    yield "np_float16_999", np.float16(999)
    yield "np_complex64_1e7", np.complex64(1e7 + 1j)
    yield "masked_uint8_default_fill", ma.masked_array(np.array([1, 2], dtype="u1"), mask=[0, 1])
    yield "masked_float32_big_fill", ma.masked_array(np.array([1, 2], dtype="f4"), fill_value=9.9e14)
    yield "void_float32_big", np.array([(2.77e11, 1)], dtype=[("f", "<f4"), ("i", "<i2")])[0]


def _pandas_scalars():
    import pandas as pd

    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    yield "pd_timestamp", pd.Timestamp("2024-05-17 12:30")
    yield "pd_timestamp_midnight", pd.Timestamp("2024-05-17")
    yield "pd_timestamp_ns", pd.Timestamp("2024-05-17 12:30:05.123456789")
    yield "pd_timestamp_us", pd.Timestamp("2024-05-17 12:30:05.000001")
    yield "pd_timestamp_ms", pd.Timestamp("2024-05-17 12:30:05.5")
    yield "pd_timestamp_old", pd.Timestamp("1677-09-22")
    yield "pd_timestamp_unit_s", pd.Timestamp("0005-01-01").as_unit("s")
    yield "pd_timestamp_unit_ms", pd.Timestamp("2024-05-17 10:00:00.25").as_unit("ms")
    yield "pd_timestamp_before_epoch", pd.Timestamp("1969-12-31 23:59:59.999999999")
    yield "pd_timestamp_utc", pd.Timestamp("2024-05-17", tz="UTC")
    yield "pd_timestamp_utc_dt", pd.Timestamp("2024-05-17 12:00", tz=datetime.timezone.utc)
    yield "pd_timestamp_offset", pd.Timestamp("2024-05-17", tz=datetime.timezone(datetime.timedelta(hours=-5)))
    yield "pd_timestamp_named_offset", pd.Timestamp(
        "2024-05-17 12:00", tz=datetime.timezone(datetime.timedelta(hours=5, minutes=30), "IST"))
    yield "pd_timestamp_berlin_summer", pd.Timestamp("2024-05-17 08:00", tz=berlin)
    yield "pd_timestamp_berlin_winter", pd.Timestamp("2024-01-17 08:00:00.000001", tz=berlin)
    yield "pd_timestamp_new_york", pd.Timestamp("2024-11-03 05:30", tz="UTC").tz_convert("America/New_York")
    yield "pd_timestamp_kolkata_ms", pd.Timestamp("2024-05-17 08:00:00.5", tz="Asia/Kolkata").as_unit("ms")
    yield "pd_timedelta", pd.Timedelta("1 days 02:03:04.5")
    yield "pd_timedelta_zero", pd.Timedelta(0)
    yield "pd_timedelta_days", pd.Timedelta(days=100)
    yield "pd_timedelta_neg", pd.Timedelta("-1 days 3h")
    yield "pd_timedelta_1ns", pd.Timedelta(1)
    yield "pd_timedelta_neg_1ns", pd.Timedelta(-1)
    yield "pd_timedelta_us", pd.Timedelta("100 days 00:00:00.000001")
    yield "pd_timedelta_unit_s", pd.Timedelta(5, "s").as_unit("s")
    yield "pd_timedelta_neg_minute", pd.Timedelta(days=-3, minutes=1)
    yield "pd_nat", pd.NaT
    yield "pd_na", pd.NA
    yield "pd_period_month", pd.Period("2024-05", "M")
    yield "pd_period_2month", pd.Period("2024-05", "2M")
    yield "pd_period_day", pd.Period("2024-05-17", "D")
    yield "pd_period_old_day", pd.Period("1900-02-28", "D")
    yield "pd_period_year", pd.Period("2024", "Y")
    yield "pd_period_quarter", pd.Period("2024Q2", "Q")
    yield "pd_period_hour", pd.Period("2024-05-17 13:00", "h")
    yield "pd_period_minute", pd.Period("2024-05-17 13:05", "min")
    yield "pd_period_second", pd.Period("2024-05-17 13:05:06", "s")
    yield "pd_scalars_in_list", [pd.Timestamp("2024-01-01"), pd.NaT, pd.Timedelta(1, "D"), pd.NA]
    yield "pd_scalars_object_array", np.array(
        [pd.Timestamp("2024-01-01"), pd.NaT, pd.Timedelta(1, "D")], dtype=object)
    yield "pd_timestamps_in_dict", {"start": pd.Timestamp("2024-05-17", tz="UTC"), "period": pd.Period("2024-05", "M")}


_values_before_helper = values


def values():
    yield from _values_before_helper()
    yield from _values_helper()


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
    yield "pd_df_small_changed", pd.DataFrame({"a": [1, 2, 4], "b": [2.5, nan, 3.0], "s": ["x", "y", "z"], "n": [0, 0, 0]})
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

                # The key fleche files the value under: the digest of the
                # value it was given (an unpickled big-endian array comes
                # back native, with another digest).
                key = str(digest(value))
            except Exception:  # a value fleche does not digest
                key = None
            print(json.dumps({
                "name": name,
                "style": style,
                "pickle": base64.b64encode(data).decode(),
                "repr": text,
                "digest": key,
            }))


_TABLE = {}


def through_fleche(root, style, phase):
    """Store every value as the result of a call, with real fleche, in a
    `template = STYLE` cache at ROOT (phase "write"), or load them back in
    a fresh process as a user later would (phase "load": a value whose
    digest another value already had was not written again, and only the
    process that stored it still holds the original). Loading prints one
    JSON object per call: {"name", "style", "key" (the call's key), "repr"}
    where repr is repr(cache().load(key).result) — fleche's own load,
    destructured children reassembled — or {"name", "style", "skip":
    reason} for a value fleche does not store, or {"name", "style", "key",
    "load_error"} for one it stores but cannot load back (dill's by-value
    IntEnum)."""
    import fleche
    from fleche.caches import Cache

    _TABLE.update(values())

    @fleche.fleche
    def value(name):
        return _TABLE[name]

    with fleche.cache(Cache.from_config({"template": style, "root": root})):
        for name in _TABLE:
            if phase == "write":
                try:
                    value(name)
                except Exception:  # fleche refuses to digest or store it
                    pass
                continue
            try:
                key = str(value.call(name).to_lookup_key())
            except Exception as e:
                print(json.dumps({"name": name, "style": style, "skip": f"{type(e).__name__}: {e}"}))
                continue
            try:
                loaded = fleche.cache().load(key).result
            except KeyError:  # no record: fleche did not store it
                print(json.dumps({"name": name, "style": style, "skip": "not stored"}))
                continue
            except Exception as e:  # stored, but fleche cannot load it back
                print(json.dumps({"name": name, "style": style, "key": key,
                                  "load_error": f"{type(e).__name__}: {e}"}))
                continue
            text = re.sub(r" at 0x[0-9a-f]+", " at 0x?", repr(loaded))
            print(json.dumps({"name": name, "style": style, "key": key, "repr": text}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--fleche"]:
        through_fleche(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
