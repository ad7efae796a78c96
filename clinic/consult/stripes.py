"""A process-local striped lock that keeps one consultation's commit-then-emit in seq order."""
import threading
import zlib

_STRIPES = [threading.Lock() for _ in range(256)]


def stripe_lock(key):
    """A process-local lock for `key` (striped): keeps commit-then-emit of one consultation in seq order."""
    return _STRIPES[zlib.crc32(key.encode()) % len(_STRIPES)]
