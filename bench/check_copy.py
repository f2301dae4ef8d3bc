"""Check a copy made by `fleche copy --all --to-root DST` with real fleche.

    /tmp/ciclone4/.venv/bin/python bench/check_copy.py SRC_DIR DST N

SRC_DIR holds the source's `fleche.toml` (as `bench/gen.py` writes it); DST
is the new `sql` cache with pickle values. fleche must list the same call
keys in both, and N sampled calls must load from DST with the key, name,
module, arguments, result and metadata they have in the source.
"""

import os
import random
import sys

import fleche
import fleche.config
from fleche.digest import digest

src_dir, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.chdir(src_dir)
src = fleche.cache()
out = fleche.config.cache_from_config({"template": "sql", "root": dst, "values": "pickle"})
keys = sorted(str(c.to_lookup_key()) for c in out.query())
src_keys = sorted(str(c.to_lookup_key()) for c in src.query())
assert keys == src_keys, (len(keys), len(src_keys))
print(f"ok  the copy lists the same {len(keys)} keys as the source")
rng = random.Random(7)
for key in rng.sample(keys, n):
    a, b = src.load(key), out.load(key)
    assert str(b.to_lookup_key()) == key, key
    assert a.name == b.name and a.module == b.module, key
    assert a.result == b.result and type(a.result) is type(b.result), key
    assert a.arguments == b.arguments, key
    assert dict(a.metadata) == dict(b.metadata), key
    assert digest(b.result) == digest(a.result), key
print(f"ok  {n} sampled calls load in fleche from the copy: same key, name, module, arguments, result, metadata")
