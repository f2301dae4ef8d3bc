"""Write the same calls with real fleche into the cache configured in the
current directory (tests/it/postgres.rs runs it once against PostgreSQL and
once against SQLite, so the two caches must answer alike)."""
from fleche import fleche, tags


@fleche
def square(x):
    return x * x


@fleche
def pair(a, b="s"):
    return [a, [b, a]]


@fleche(version=2)
def scaled(x, factor=1.5):
    return {"x": x, "scaled": x * factor}


for i in range(12):
    square(i)
with tags(project="pg", n=1):
    pair(1)
    pair(2, b="t")
with tags(n=1.0, label="one"):
    scaled(3)
with tags(n=True):
    scaled(4, factor=2)
with tags(n="1", labels=["a", "b"]):
    square(100)
