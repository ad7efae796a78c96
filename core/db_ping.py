"""Pessimistic disconnect handling that only idle connections pay for.

SQLAlchemy's `pool_pre_ping` sends a round trip on every checkout: a FHIR read checks out two connections
(its own and the audit writer's), so that was two of its five round trips and ~7 % of its CPU. A connection
that was in use a moment ago is almost surely alive; one that sat in the pool may have been dropped (a
PostgreSQL restart, an idle timeout of a proxy or firewall). So only a connection idle for more than
`idle_seconds` is pinged before it is handed out; a dead one is replaced, as pre-ping does (SQLAlchemy's
documented checkout-event recipe: DisconnectionError makes the pool retry with a fresh connection). A
connection that dies within that window fails the statement that finds out, and SQLAlchemy then invalidates
the pool's older connections, so a PostgreSQL restart costs the requests in flight, no more.
"""
import time

from sqlalchemy import event, exc

_CHECKED_IN = "checked_in_at"


def install(engine, idle_seconds):
    """Ping connections idle for more than `idle_seconds` on checkout (the engine must not use pool_pre_ping)."""

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection, record):
        record.info[_CHECKED_IN] = time.monotonic()  # just opened: alive

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        if time.monotonic() - record.info.get(_CHECKED_IN, 0.0) <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if not engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("the pooled connection was closed while idle")
