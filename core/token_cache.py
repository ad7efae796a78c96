"""Live bearer tokens a process has already looked up, so most requests authenticate without a database
round trip.

A token is read from `access_tokens` (core.auth) the first time a process sees it and its Actor kept here
with the token's expiry. Later requests check the expiry against the clock and the process's revocation
watch (core.revocations: one indexed query per process per TOKEN_REVOCATION_POLL_SECONDS), so a logout
or a deactivation (core.accounts.set_active revokes the account's tokens) served by any process stops
the token in every process within that period; the process that served it forgets the token at once.
An Actor never changes while its token lives (accounts keep their role and links), so keeping it is safe.
Bounded: the least recently used entry goes first. Unknown and dead tokens are never kept.
"""
import threading
from collections import OrderedDict

DEFAULT_SIZE = 10_000


class TokenCache:
    """token digest -> (Actor, expires_at), least recently used first."""

    def __init__(self, size=DEFAULT_SIZE):
        self.size = size
        self._lock = threading.Lock()
        self._entries = OrderedDict()

    def get(self, digest):
        """(Actor, expires_at) of a kept token, or None."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
            return entry

    def put(self, digest, actor, expires_at):
        """Keep a token the database just said was live."""
        with self._lock:
            self._entries[digest] = (actor, expires_at)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def discard(self, digest):
        """Forget one token (revoked, expired)."""
        with self._lock:
            self._entries.pop(digest, None)

    def discard_user(self, user_id):
        """Forget every token of one account (deactivated)."""
        with self._lock:
            for digest in [d for d, (actor, _) in self._entries.items() if actor.user_id == user_id]:
                del self._entries[digest]

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


_caches = {}


def cache_for(database_url):
    """The process's cache for one database (tests run apps on several)."""
    cache = _caches.get(database_url)
    if cache is None:
        cache = _caches.setdefault(database_url, TokenCache())
    return cache
