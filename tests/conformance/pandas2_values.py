"""The pandas values of values.py pickled by an older pandas, with repr()
of what the oracle's pandas 3.1 loads from them: older pickles in a cache
still show as fleche's load gives them back
(crates/fleche-core/tests/it/values.rs).

    python pandas2_values.py PANDAS2_PYTHON > ../../crates/fleche-core/tests/data/pandas2_values.jsonl
    python pandas2_values.py PANDAS1_PYTHON pandas1 > ../../crates/fleche-core/tests/data/pandas1_values.jsonl

run with the oracle's Python; the other is any Python with that pandas
(the committed files: pandas 2.2.3 with numpy 1.26, pandas 1.5.3 with
numpy 1.23.5; plain pickle protocol 4). Values pandas 3 cannot load (1.x's
Int64Index and Float64Index are gone) are left out.
"""

import base64
import json
import os
import pickle
import subprocess
import sys

PICKLE = r'''
import base64, json, pickle, sys, types
sys.path.insert(0, sys.argv[1])
for m in ("cloudpickle", "dill"):
    try:
        __import__(m)
    except ImportError:
        sys.modules[m] = types.ModuleType(m)
import values
for name, v in values.pandas_values():
    print(json.dumps({"name": name, "pickle": base64.b64encode(pickle.dumps(v, protocol=4)).decode()}))
'''


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run([sys.argv[1], "-c", PICKLE, here], check=True, capture_output=True, text=True)
    style = sys.argv[2] if len(sys.argv) > 2 else "pandas2"
    os.environ["COLUMNS"], os.environ["LINES"] = "80", "24"
    for line in out.stdout.splitlines():
        case = json.loads(line)
        try:
            value = pickle.loads(base64.b64decode(case["pickle"]))
        except Exception as e:  # pandas 3 cannot load every older pickle
            print(f"skip {case['name']}: {e!r}", file=sys.stderr)
            continue
        print(json.dumps({"name": case["name"], "style": style, "pickle": case["pickle"], "repr": repr(value), "digest": None}))


if __name__ == "__main__":
    main()
