# fleche's own listing of the remote cache: its SshCache built from this
# fleche.toml, every call of query(QueryCall()), one line per call.
import sys, fleche
from fleche.call import QueryCall
from fleche.config import load_cache_config
c = load_cache_config("solo")
out = sys.stdout
for lc in c.query(QueryCall()):
    out.write(f"{lc.to_lookup_key()} {lc.name}\n")
