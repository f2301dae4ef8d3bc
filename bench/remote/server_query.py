# What the server spends on fleche's `query` of every call (no ssh, no wire).
import time
from fleche.call import QueryCall
from fleche.config import load_cache_config
t = time.perf_counter()
n = len(tuple(lc.detach() for lc in load_cache_config().query(QueryCall())))
print(f"server-side query: {n} calls in {time.perf_counter() - t:.2f} s")
