"""Regenerate literal_python.jsonl from literal_cases.txt with CPython:

    python gen_literal_python.py   # run in this directory

Each case becomes {"input", "python"}: CPython's value in the canonical form
that tests/literal.rs also computes, or null when CPython rejects the text.
"""
import ast, json, struct, sys, warnings

warnings.simplefilter("ignore")


def f(x):
    return struct.pack(">d", x).hex()


def canon(v):
    t = type(v)
    if v is None:
        return "N"
    if t is bool:
        return "B%d" % v
    if t is int:
        return "I%d" % v
    if t is float:
        return "F" + f(v)
    if t is complex:
        return "C%s,%s" % (f(v.real), f(v.imag))
    if t is str:
        return "S" + v.encode("utf-8", "surrogatepass").hex()
    if t is bytes:
        return "Y" + v.hex()
    if t is tuple:
        return "T(" + ",".join(map(canon, v)) + ")"
    if t is list:
        return "L[" + ",".join(map(canon, v)) + "]"
    if t is dict:
        return "D{" + ",".join(canon(k) + ":" + canon(x) for k, x in v.items()) + "}"
    if t is set:
        return "E{" + ",".join(sorted(map(canon, v))) + "}"
    if t is frozenset:
        return "Z{" + ",".join(sorted(map(canon, v))) + "}"
    raise TypeError(t)


INF, NAN = float("inf"), float("nan")
ENV = {"__builtins__": {}, "set": set, "frozenset": frozenset, "float": float}
for name in ("inf", "Inf", "INF", "infinity", "Infinity"):
    ENV[name] = INF
for name in ("nan", "NaN", "NAN"):
    ENV[name] = NAN

out = []
mode = None
with open("literal_cases.txt", encoding="utf-8") as fh:
    for line in fh.read().split("\n"):
        if line.startswith("## "):
            mode = line[3:]
            continue
        if line.startswith("#") or line == "":
            continue
        text = line.replace("\u23ce", "\n")
        try:
            v = ast.literal_eval(text) if mode == "lit" else eval(text, dict(ENV))
            res = canon(v)
        except Exception:
            res = None
        out.append({"input": text, "python": res})
with open("literal_python.jsonl", "w", encoding="utf-8") as fh:
    for o in out:
        fh.write(json.dumps(o, ensure_ascii=False) + "\n")
print(len(out), "cases, CPython", sys.version.split()[0], file=sys.stderr)
