"""Group commit of the audit entries of reads: a GET answered with health data is audited in a shared
transaction instead of a COMMIT of its own, and still never answered before its entry is committed.

Within an HTTP GET/HEAD request, core.audit hands the successful read-type entries (read, vread, search,
history, everything) to `defer` instead of the request's session. When the request succeeds,
core.transaction commits the request's own work, then calls `write_deferred`: the entries join the
process's queue and the request waits until a transaction holding them has committed. The first waiting
request with nothing in flight becomes the writer: it takes everything queued, writes it in one multi-row
INSERT and one COMMIT on its own connection (on PostgreSQL one autocommit statement: a single round trip),
and wakes the others; entries that arrive meanwhile form the next batch. Under load a batch holds as many
entries as there are requests waiting; alone, a request writes its own (no timer, no added delay). A
request that fails drops its entries, as a rollback would.

Durability is unchanged: the response leaves only after the COMMIT of its entry returned, so a SIGKILL of
the server loses no entry of an answered request, and with PostgreSQL's synchronous_commit=on (the
default) neither does a crash of PostgreSQL or of the host. Writes keep their entries in their own
transaction (a create is audited if and only if it committed): only reads are deferred.
"""
import functools
import logging
import threading
import weakref

from flask import g, request
from sqlalchemy import insert

from core import dbutil
from core.extensions import db
from core.models import AuditEntry

log = logging.getLogger(__name__)
READ_ACTIONS = frozenset({"read", "vread", "search", "history", "everything"})
SAFE_METHODS = ("GET", "HEAD")
_PENDING = "audit_deferred"


def start_request():
    """before_request hook: this HTTP request may defer the audit entries of its reads (if it is a GET)."""
    if request.method in SAFE_METHODS:
        allow_deferral()


def allow_deferral():
    """The reads of this request (a GET, also one answered below Flask: records.fhir.fast_read) may be deferred."""
    g.setdefault(_PENDING, [])


def defer(action, values):
    """Keep `values` (an AuditEntry row) for the group commit when this request allows it; False otherwise."""
    pending = g.get(_PENDING) if action in READ_ACTIONS else None
    if pending is None:
        return False
    pending.append(values)
    return True


def drop_deferred():
    """The request failed: its reads were not answered, so they are not audited as successful."""
    g.pop(_PENDING, None)


def write_deferred():
    """Commit this request's deferred entries (with whatever other requests have queued); raises if that failed."""
    rows = g.pop(_PENDING, None)
    if rows:
        _committer().write(rows)


class GroupCommit:
    """One process's queue of audit rows and the leader/follower protocol that commits them in batches."""

    def __init__(self, engine):
        self.engine = engine
        self._cond = threading.Condition()
        self._queue = []
        self._writing = False

    def write(self, rows):
        """Queue `rows` and return once a committed transaction holds them (raise if writing them failed)."""
        ticket = _Ticket(rows)
        with self._cond:
            self._queue.append(ticket)
            while not ticket.done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing, batch, self._queue = True, self._queue, []
                self._cond.release()
                try:
                    self._commit(batch)
                finally:
                    for left in batch:  # only if the writer itself was interrupted (e.g. a worker abort)
                        if not left.done:
                            left.error, left.done = RuntimeError("the audit writer was interrupted"), True
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if ticket.error is not None:
            raise ticket.error

    def _commit(self, batch):
        try:
            self._insert([row for ticket in batch for row in ticket.rows])
            for ticket in batch:
                ticket.done = True
            return
        except Exception as exc:  # noqa: BLE001 - one bad request must not fail the batch: retry each alone
            if len(batch) == 1:
                batch[0].error, batch[0].done = exc, True
                return
            log.warning("audit batch of %d requests failed (%s); writing each alone", len(batch), exc)
        for ticket in batch:
            try:
                self._insert(ticket.rows)
            except Exception as exc:  # noqa: BLE001 - reported to that request, which answers 5xx
                ticket.error = exc
            ticket.done = True

    def _insert(self, rows):
        if self.engine.dialect.name == "postgresql":
            # One round trip instead of three (BEGIN, INSERT, COMMIT): a single multi-row INSERT is atomic
            # on its own, and its implicit commit waits for the WAL flush exactly as an explicit COMMIT does.
            columns = tuple(rows[0])
            with dbutil.autocommit_cursor(self.engine) as cursor:
                cursor.execute(_multi_row_insert(columns, len(rows)), tuple(row[c] for row in rows for c in columns))
            return
        with self.engine.begin() as connection:  # its own transaction: one INSERT of every row, one COMMIT
            connection.execute(insert(AuditEntry), rows)


@functools.lru_cache(maxsize=256)
def _multi_row_insert(columns, count):
    """The INSERT of `count` rows, as psycopg text (SQLAlchemy's .values(rows) compiled it anew each batch:
    ~0.3 ms). Values go unconverted: every column is a plain string but `at`, an aware datetime (clock.now)."""
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    return f"INSERT INTO {AuditEntry.__tablename__} ({', '.join(columns)}) VALUES {', '.join([row] * count)}"


class _Ticket:
    __slots__ = ("rows", "done", "error")

    def __init__(self, rows):
        self.rows, self.done, self.error = rows, False, None


_committers = weakref.WeakKeyDictionary()  # engine -> GroupCommit (tests build apps on several engines)
_committers_lock = threading.Lock()


def _committer():
    engine = db.engine
    with _committers_lock:
        committer = _committers.get(engine)
        if committer is None:
            committer = _committers[engine] = GroupCommit(engine)
    return committer
