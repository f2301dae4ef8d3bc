"""A notebook's functions moved into a module, and whether fleche hits.

  rename_hits.py notebook DIR   in DIR (writing fleche.toml): three @fleche
                                functions defined in __main__, called once
                                each
  rename_hits.py module DIR     the same functions imported from a module
                                named `analysis`, called with the same
                                arguments

Each prints {"body_runs": N, "results": [...]}: how many function bodies
ran (0 when every call hit the cache) and what the calls returned.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

CONFIG = """\
[default]
root = true
cache = "main"
metadata = ["Runtime"]

[main]
template = "sql"
root = ".fleche"
values = "pickle"
"""

SOURCE = '''
from fleche import fleche

RUNS = []


@fleche
def fit(x, lr=0.1):
    RUNS.append("fit")
    return x * lr


@fleche(version=2)
def smooth(xs, width=3):
    RUNS.append("smooth")
    return [sum(xs[i:i + width]) / width for i in range(len(xs) - width + 1)]


@fleche
def label(name, n):
    RUNS.append("label")
    return {"name": name, "n": n}
'''


def calls(ns):
    return [ns["fit"](2), ns["smooth"]([1.0, 2.0, 3.0, 4.0]), ns["label"]("run", n=3)]


def main(phase, d):
    d.mkdir(parents=True, exist_ok=True)
    if not (d / "fleche.toml").exists():
        (d / "fleche.toml").write_text(CONFIG)
    os.chdir(d)
    if phase == "notebook":
        ns = {"__name__": "__main__"}
        exec(SOURCE, ns)
    else:
        src = tempfile.mkdtemp()
        Path(src, "analysis.py").write_text(SOURCE)
        sys.path.insert(0, src)
        import analysis

        ns = vars(analysis)
    results = [repr(r) for r in calls(ns)]
    json.dump({"body_runs": len(ns["RUNS"]), "results": results}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]).resolve())
