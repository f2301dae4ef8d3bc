"""The pandas values of values.py pickled by pandas 2.x (numpy 1.x), with
repr() of what the oracle's pandas 3.1 loads from them: pandas 2 pickles in
a cache still show as fleche's load gives them back
(crates/fleche-core/tests/it/values.rs).

    python pandas2_values.py PANDAS2_PYTHON > ../../crates/fleche-core/tests/data/pandas2_values.jsonl

run with the oracle's Python; PANDAS2_PYTHON is any Python with pandas 2.x
(the committed file: pandas 2.2.3, numpy 1.26, plain pickle protocol 4).
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
    os.environ["COLUMNS"], os.environ["LINES"] = "80", "24"
    for line in out.stdout.splitlines():
        case = json.loads(line)
        value = pickle.loads(base64.b64decode(case["pickle"]))
        print(json.dumps({"name": case["name"], "style": "pandas2", "pickle": case["pickle"], "repr": repr(value), "digest": None}))


if __name__ == "__main__":
    main()
