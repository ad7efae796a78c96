"""Which bearer tokens were revoked lately, known to every process within a second, at one query a second.

Long-lived connections (the Socket.IO consulting rooms) authenticate once at connect and must stop
acting as soon as their token is revoked, without a token lookup on every event. Each process keeps
the digests of recently revoked tokens and refreshes them from `access_tokens` at most once every
`TOKEN_REVOCATION_POLL_SECONDS` (default 1), lazily, on the next check after that. The refresh looks
back `LOOKBACK` before the previous one, so a logout whose transaction committed a little after its
`revoked_at` timestamp is still seen (the first refresh reads every unexpired revoked token). Expiry needs no query: the caller knows the token's expiry.
The same watch also drives clinic.realtime.token_watch, which closes connections whose token died without
waiting for their next event: `due_in` tells it when the set next goes stale.
"""
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from core import clock, dbutil
from core.extensions import db
from core.models import AccessToken

LOOKBACK = timedelta(seconds=60)


class RevocationWatch:
    """A process-local, periodically refreshed set of revoked token digests."""

    def __init__(self):
        self._lock = threading.Lock()
        self._revoked = {}  # token digest -> its expiry (dropped once it has expired anyway)
        self._refreshed_at = None  # time.monotonic() of the last refresh
        self._since = None  # revoked_at lower bound of the next refresh

    def is_revoked(self, token_hash, interval):
        """True when the token was revoked as of a refresh at most `interval` seconds old."""
        self._refresh_if_stale(interval)
        return token_hash in self._revoked

    def revoked_among(self, token_hashes, interval):
        """Those of `token_hashes` revoked as of a refresh at most `interval` seconds old (one refresh at most)."""
        self._refresh_if_stale(interval)
        revoked = self._revoked
        return {digest for digest in token_hashes if digest in revoked}

    def _refresh_if_stale(self, interval):
        if self._stale(interval):
            # One thread refreshes; the others go on with the set as it is (a refresh is at most a moment
            # late), except before the first refresh, when there is no set yet to go on with.
            if self._lock.acquire(blocking=self._refreshed_at is None):
                try:
                    if self._stale(interval):
                        self._refresh()
                finally:
                    self._lock.release()

    def due_in(self, interval):
        """Seconds until the set is older than `interval` (0 when it already is, or was never read)."""
        if self._refreshed_at is None:
            return 0.0
        return max(0.0, self._refreshed_at + interval - time.monotonic())

    def _stale(self, interval):
        return self._refreshed_at is None or time.monotonic() - self._refreshed_at >= interval

    def _refresh(self):
        now = clock.now()
        if self._since is None:  # the first time: every revoked token that has not expired yet
            recent = [AccessToken.revoked_at.is_not(None), AccessToken.expires_at > now]
        else:
            recent = [AccessToken.revoked_at >= self._since - LOOKBACK]
        with db.engine.connect() as connection:  # its own connection: never part of the caller's transaction
            rows = connection.execute(select(AccessToken.token_hash, AccessToken.expires_at).where(*recent)).all()
        revoked = {digest: expires for digest, expires in self._revoked.items() if expires > now}
        revoked.update((digest, expires) for digest, expires in rows)
        self._revoked, self._since, self._refreshed_at = revoked, now, time.monotonic()


_watches = {}


def _watch():
    key = dbutil.database_key()
    watch = _watches.get(key)
    if watch is None:
        watch = _watches.setdefault(key, RevocationWatch())
    return watch


def is_revoked(token_hash, interval):
    """True when `token_hash` was revoked (as of at most `interval` seconds ago), for the app's database."""
    return _watch().is_revoked(token_hash, interval)


def revoked_among(token_hashes, interval):
    """Those of `token_hashes` revoked (as of at most `interval` seconds ago): one refresh at most."""
    return _watch().revoked_among(token_hashes, interval)


def due_in(interval):
    """Seconds until the app database's revoked set is older than `interval` (its next refresh)."""
    return _watch().due_in(interval)
