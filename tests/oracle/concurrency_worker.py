"""One real fleche process hammering a shared cache for tests/it/concurrency.rs.

  concurrency_worker.py DIR WORKER UNTIL OUT.json

Runs inside DIR (fleche.toml written by fleche_oracle.py config: SQL calls,
pickled values destructured to depth 2). Until the Unix time UNTIL it calls a few small
@fleche functions with repeated argument values (so workers hit each other's
entries), some under tags(...), and checks every result. Before each call it
checks that a record present in the cache loads completely: a record whose
values are gone can only mean gc deleted something a live call references
(fleche would silently recompute it, hiding the loss).

OUT.json: {"worker", "calls", "bodies", "completed": [call keys], "errors"}.
Any exception, any wrong result, any fleche warning (a failed save is only
logged by fleche) is an error.
"""

import json
import logging
import os
import random
import sys
import time
import traceback
from pathlib import Path


class Collect(logging.Handler):
    def __init__(self, errors):
        super().__init__(level=logging.WARNING)
        self.errors = errors

    def emit(self, record):
        self.errors.append(f"fleche logged {record.levelname}: {record.getMessage()}")


BODIES = [0]


# `lane` (the worker number) keeps each worker's call keys its own: fleche
# 0.22.2 serialises saves of one key only within a process, so two processes
# saving the same new call at once make one fail with "UNIQUE constraint
# failed: calls.key" (seen with fleche alone). The other arguments and the
# results repeat across workers, so value files are shared between calls of
# different workers, which is what gc must get right.
def square(x, lane):
    BODIES[0] += 1
    return x * x


def grid(n, k, lane):
    BODIES[0] += 1
    return [[i * k, [i, n, [k]]] for i in range(n)]


def label(word, n, lane):
    BODIES[0] += 1
    return {"word": word, "n": n, "parts": [word] * (n % 3 + 1)}


def lost_values(c, key):
    """A record that is present but does not load, twice in a row."""
    err = None
    for _ in range(3):
        if not c.calls.contains(key):
            return None
        try:
            c.load(key).fetch()
            return None
        except KeyError as e:
            err = e
        time.sleep(0.05)
    return f"call {key} is recorded but its values do not load: {err!r}"


def main(argv):
    d, worker, until, out = Path(argv[1]), int(argv[2]), float(argv[3]), Path(argv[4])
    os.chdir(d)
    errors = []
    logging.getLogger("fleche").addHandler(Collect(errors))
    from fleche import cache, fleche, tags

    funcs = {"square": fleche(square), "grid": fleche(grid), "label": fleche(label)}
    rng = random.Random(1000 + worker)
    completed = []
    calls = 0
    while time.time() < until:
        name = rng.choice(["square", "square", "grid", "label"])
        if name == "square":
            args = (rng.randrange(12), worker)
        elif name == "grid":
            args = (rng.randrange(1, 4), rng.randrange(3), worker)
        else:
            args = (rng.choice(["a", "b", "c"]), rng.randrange(6), worker)
        f = funcs[name]
        try:
            c = cache()
            key = str(f.call(*args).to_lookup_key())
            lost = lost_values(c, key)
            if lost:
                errors.append(lost)
            if rng.random() < 0.3:
                with tags(worker=worker, parity=args[1] % 2):
                    got = f(*args)
            else:
                got = f(*args)
            want = globals()[name](*args)
            BODIES[0] -= 1
            if got != want:
                errors.append(f"{name}{args} returned {got!r}, expected {want!r}")
            completed.append(key)
            calls += 1
        except Exception:
            errors.append(f"{name}{args}: {traceback.format_exc()}")
    out.write_text(json.dumps({
        "worker": worker,
        "calls": calls,
        "bodies": BODIES[0],
        "completed": sorted(set(completed)),
        "errors": errors,
    }))


if __name__ == "__main__":
    main(sys.argv)
