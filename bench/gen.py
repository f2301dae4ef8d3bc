"""Write a realistic fleche 0.22.2 cache of N calls, fast, without fleche's save path.

Run with the Python that has fleche installed (keys and digests come from fleche):

    /tmp/fl/venv/bin/python bench/gen.py --calls 100000 --template sql OUT_DIR

`--template sql` writes `OUT_DIR/cache/calls.db` (the schema SQLAlchemy
creates, WAL mode) plus one pickle file per value in `OUT_DIR/cache/values`;
`--template dill` writes one dill call file per call in `OUT_DIR/cache/calls`
and dill value files. `OUT_DIR/fleche.toml` points fleche (and our CLI) at it.

Shape (as in /work/shared/perf-anchor.md): 20 functions with 1-3 arguments,
arguments drawn from shared pools, a fresh result per call, Runtime metadata on
every call, tags on ~10% of calls, ~5% orphan values nobody references.
Call keys are computed by a hashlib fast path of `DigestedCall.to_lookup_key`
(fleche's own takes ~100 us a call); it is checked against fleche on every
`--check-every`-th call (every call for 10k), and value digests are fleche's
own `digest()`.
"""

import argparse
import collections
import hashlib
import json
import os
import pickle
import random
import sqlite3
import sys
import time

from fleche.call import DigestedCall
from fleche.digest import Digest, digest

# The exact DDL SQLAlchemy emits for fleche 0.22.2 (copied from `sqlite3 calls.db .schema`
# of a cache written by real fleche).
SCHEMA = """CREATE TABLE calls (
\t"key" VARCHAR(64) NOT NULL, 
\tname VARCHAR NOT NULL, 
\tmodule VARCHAR, 
\tversion VARCHAR, 
\tcode_digest VARCHAR(64), 
\tresult VARCHAR(64), 
\tPRIMARY KEY ("key")
);
CREATE TABLE arguments (
\tid INTEGER NOT NULL, 
\tcall_key VARCHAR(64) NOT NULL, 
\tposition INTEGER NOT NULL, 
\tname VARCHAR NOT NULL, 
\tvalue VARCHAR(64) NOT NULL, 
\tPRIMARY KEY (id), 
\tCONSTRAINT uq_arguments_call_name UNIQUE (call_key, name), 
\tFOREIGN KEY(call_key) REFERENCES calls ("key") ON DELETE CASCADE
);
CREATE TABLE metadata (
\tid INTEGER NOT NULL, 
\tcall_key VARCHAR(64) NOT NULL, 
\tname VARCHAR NOT NULL, 
\tdata JSON NOT NULL, 
\tPRIMARY KEY (id), 
\tCONSTRAINT uq_metadata_call_name UNIQUE (call_key, name), 
\tFOREIGN KEY(call_key) REFERENCES calls ("key") ON DELETE CASCADE
);
CREATE INDEX ix_metadata_call_key ON metadata (call_key);
CREATE INDEX ix_metadata_name ON metadata (name);
"""

# name, module, version, argument names (in signature order)
FUNCTIONS = [
    ("relax_structure", "lab.dft", None, ("structure", "method", "steps")),
    ("compute_energy", "lab.dft", 2, ("structure", "method")),
    ("band_gap", "lab.dft", None, ("structure",)),
    ("phonons", "lab.dft", None, ("structure", "temperature", "n")),
    ("elastic_tensor", "lab.dft", "1.2", ("structure", "strain")),
    ("fib", "__main__", None, ("n",)),
    ("double", "__main__", None, ("x",)),
    ("long_running_calculation", "__main__", None, ("x",)),
    ("another_calculation", "__main__", None, ("a", "b")),
    ("fit_model", "analysis.fit", 3, ("x", "alpha", "seed")),
    ("load_dataset", "analysis.io", None, ("path",)),
    ("preprocess", "analysis.io", None, ("path", "n")),
    ("train", "analysis.ml", None, ("seed", "alpha", "steps")),
    ("evaluate", "analysis.ml", None, ("seed", "x")),
    ("simulate", "md.run", None, ("temperature", "steps", "seed")),
    ("equilibrate", "md.run", None, ("temperature", "steps")),
    ("rdf", "md.analysis", None, ("temperature", "x")),
    ("msd", "md.analysis", None, ("temperature",)),
    ("render_plot", "viz", None, ("path", "x")),
    ("summarise", "viz", None, ("a", "b", "n")),
]


def argument_pools(n_calls, rng):
    """Shared argument values, sized so distinct values stay ~5% of calls."""
    size = max(20, n_calls // 400)
    return {
        "structure": [f"mp-{i}" for i in range(size)],
        "method": ["pbe", "lda", "scan", "hse06", "r2scan"],
        "steps": [10 * i for i in range(1, size)],
        "temperature": [round(100 + 0.5 * i, 1) + 0.25 for i in range(size)],
        "strain": [round(0.001 * i, 4) + 0.0001 for i in range(size)],
        "n": list(range(size)),
        # x=100 is in the pool, so `query --arg x=100` has hits at every size.
        "x": list(range(90, 90 + size)),
        "a": list(range(size)),
        "b": list(range(size)),
        "alpha": [round(0.01 * i, 3) + 0.005 for i in range(size)],
        "seed": list(range(1000, 1000 + size)),
        "path": [f"data/run-{i:05d}.csv" for i in range(size)],
    }


def result_value(i, fn_index):
    """A fresh result per call: ints, non-integral floats and strings."""
    kind = fn_index % 3
    if kind == 0:
        return 10**7 + i
    if kind == 1:
        return i + 0.125
    return f"result-{i}"


class KeyMaker:
    """`DigestedCall.to_lookup_key` by hashlib, with fleche's per-function constants."""

    def __init__(self, name, module, version):
        self.fields = []
        consts = {
            "name": name,
            "metadata": None,
            "module": module,
            "version": version,
            "code_digest": None,
            "result": None,
        }
        for field in ("name", "arguments", "metadata", "module", "version", "code_digest", "result"):
            kd = digest(field).encode()
            vd = None if field == "arguments" else digest(consts[field]).encode()
            self.fields.append((kd, vd))
        self.fields.sort(key=lambda f: f[0])
        self.arg_name_digest = {}

    def key(self, arguments):
        t = hashlib.sha256(b"tuple")
        for name, value_hex in arguments:
            nd = self.arg_name_digest.get(name)
            if nd is None:
                nd = self.arg_name_digest[name] = digest(name).encode()
            p = hashlib.sha256(b"tuple")
            p.update(nd)
            p.update(value_hex.encode())
            t.update(p.hexdigest().encode())
        args_digest = t.hexdigest().encode()
        d = hashlib.sha256(b"dict")
        for kd, vd in self.fields:
            d.update(kd)
            d.update(args_digest if vd is None else vd)
        c = hashlib.sha256(b"Call")
        c.update(d.hexdigest().encode())
        return c.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--calls", type=int, required=True)
    ap.add_argument("--template", choices=("sql", "dill"), default="sql")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--check-every", type=int, default=0, help="0: every call up to 10k, else 1 in 997")
    opts = ap.parse_args()

    rng = random.Random(opts.seed)
    n = opts.calls
    check_every = opts.check_every or (1 if n <= 10_000 else 997)
    root = os.path.join(opts.out, "cache")
    values_dir = os.path.join(root, "values")
    if os.path.exists(root):
        sys.exit(f"{root} exists; remove it first")
    os.makedirs(values_dir)
    with open(os.path.join(opts.out, "fleche.toml"), "w") as f:
        f.write('[default]\ncache = "bench"\nroot = true\nmetadata = ["Runtime"]\n\n[bench]\n')
        if opts.template == "sql":
            f.write('template = "sql"\nroot = "cache"\nvalues = "pickle"\n')
        else:
            f.write('template = "dill"\nroot = "cache"\n')

    if opts.template == "sql":
        dumps = pickle.dumps
    else:
        import dill

        dumps = dill.dumps

    written = set()

    def save_value(v):
        d = digest(v)
        if d not in written:
            written.add(d)
            fd = os.open(os.path.join(values_dir, d), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            os.write(fd, dumps(v))
            os.close(fd)
        return d

    pools = argument_pools(n, rng)
    pool_digests = {name: [save_value(v) for v in vals] for name, vals in pools.items()}
    makers = [KeyMaker(name, module, version) for name, module, version, _ in FUNCTIONS]
    weights = [rng.uniform(0.5, 2.0) for _ in FUNCTIONS]

    t0 = 1_764_000_000.0 - 90 * 86400  # 90 days of history
    span = 90 * 86400
    started = time.time()

    if opts.template == "sql":
        db = sqlite3.connect(os.path.join(root, "calls.db"), isolation_level=None)
        db.executescript(SCHEMA)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        calls_rows, arg_rows, meta_rows = [], [], []
    else:
        calls_dir = os.path.join(root, "calls")
        os.makedirs(calls_dir)

    def flush():
        db.executemany("INSERT INTO calls VALUES (?,?,?,?,?,?)", calls_rows)
        db.executemany("INSERT INTO arguments (call_key, position, name, value) VALUES (?,?,?,?)", arg_rows)
        db.executemany("INSERT INTO metadata (call_key, name, data) VALUES (?,?,?)", meta_rows)
        calls_rows.clear(), arg_rows.clear(), meta_rows.clear()

    seen_keys = set()
    checked = 0
    i = 0
    while len(seen_keys) < n:
        fi = rng.choices(range(len(FUNCTIONS)), weights)[0]
        name, module, version, argnames = FUNCTIONS[fi]
        picks = [rng.randrange(len(pools[a])) for a in argnames]
        arguments = [(a, pool_digests[a][p]) for a, p in zip(argnames, picks)]
        key = makers[fi].key(arguments)
        i += 1
        if key in seen_keys:
            continue  # the same call again: fleche would overwrite; skip it
        seen_keys.add(key)
        result = save_value(result_value(i, fi))
        start = t0 + span * len(seen_keys) / n + rng.random()
        wall = rng.lognormvariate(-2.0, 1.5)
        cpu = wall * rng.uniform(0.5, 1.0)
        runtime = {"timestart": start, "cputime": cpu, "systime": cpu * 0.05, "timestop": start + wall, "walltime": wall}
        meta = {"runtime": runtime}
        if rng.random() < 0.10:
            tags = {"project": f"proj-{rng.randrange(10)}"}
            if rng.random() < 0.3:
                tags["stage"] = rng.choice(["draft", "final"])
            meta["tags"] = tags
        if len(seen_keys) % check_every == 0:
            dc = DigestedCall(name, {a: Digest(v) for a, v in arguments}, Digest(result), module=module, version=version)
            if dc.to_lookup_key() != key:
                sys.exit(f"key mismatch for call {i}: {key} vs fleche {dc.to_lookup_key()}")
            checked += 1
        if opts.template == "sql":
            calls_rows.append((key, name, module, None if version is None else json.dumps(version), None, result))
            for pos, (a, v) in enumerate(arguments):
                arg_rows.append((key, pos, a, v))
            for kind, data in meta.items():
                meta_rows.append((key, kind, json.dumps(data)))
            if len(calls_rows) >= 20_000:
                flush()
        else:
            dc = DigestedCall(
                name,
                {a: Digest(v) for a, v in arguments},
                Digest(result),
                metadata=collections.defaultdict(dict, meta),
                module=module,
                version=version,
            )
            with open(os.path.join(calls_dir, key), "wb") as f:
                f.write(dill.dumps(dc))

    # ~5% of values are orphans: saved once, referenced by no call.
    n_orphans = len(written) * 5 // 95
    for j in range(n_orphans):
        save_value(f"orphan-{opts.seed}-{j}")

    if opts.template == "sql":
        flush()
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    print(
        f"{n} calls, {len(written)} values ({n_orphans} orphans), {checked} keys checked against fleche,"
        f" {time.time() - started:.1f} s -> {root}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
