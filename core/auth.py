"""Bearer tokens, the acting user, role checks and the relationship-check hook the domains fill in."""
import contextlib
import contextvars
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, request
from sqlalchemy import select, update

from core import clock, dbutil, revocations, token_cache
from core.errors import ApiError
from core.extensions import db
from core.models import AccessToken, User


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed into every domain service call."""

    user_id: str | None
    role: str
    name: str = ""
    patient_id: str | None = None
    practitioner_id: str | None = None
    pharmacy_id: str | None = None
    # A SMART token's (smart/): the app acting for the user, its granted resource scopes (None: a first-party
    # token, which the scopes never narrow) and the patient in its launch context.
    client_id: str | None = None
    scopes: tuple | None = None
    context_patient: str | None = None

    @property
    def is_admin(self):
        return self.role == "admin"


# Roles let in only where a guard names them: a "signed-in user" route (require_role() with no roles) refuses them.
NAMED_ONLY_ROLES = frozenset({"regulator"})
SYSTEM = Actor(user_id=None, role="system", name="system")


def actor_for(user):
    """The Actor for a User row."""
    return Actor(user.id, user.role, user.name, user.patient_id, user.practitioner_id, user.pharmacy_id)


def doctor_actors(practitioner_id):
    """The Actors of the doctor accounts linked to a Practitioner, or one account-less Actor when there is none
    (relationship checks about a colleague who may not act right now)."""
    users = db.session.scalars(select(User).where(User.practitioner_id == practitioner_id, User.role == "doctor"))
    return [actor_for(user) for user in users] or [Actor(None, "doctor", practitioner_id=practitioner_id)]


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user):
    """Create a bearer token for `user`; return (token, expires_in_seconds)."""
    ttl = current_app.config["TOKEN_TTL_SECONDS"]
    token = secrets.token_urlsafe(32)
    db.session.add(AccessToken(token_hash=_digest(token), user_id=user.id,
                               expires_at=clock.now() + timedelta(seconds=ttl)))
    db.session.flush()
    return token, ttl


def _cache():
    return token_cache.cache_for(dbutil.database_key())


def revoke_token(token):
    """Revoke a bearer token (idempotent)."""
    _cache().discard(_digest(token))  # this process at once; the others through their revocation watch
    row = db.session.scalar(select(AccessToken).where(AccessToken.token_hash == _digest(token)))
    if row and row.revoked_at is None:
        row.revoked_at = clock.now()
        db.session.flush()


def revoke_user_tokens(user_id):
    """Revoke every live token of a user (a deactivated account); return how many.

    The token caches rely on this reaching every token: accounts.set_active holds the user row FOR UPDATE,
    which waits for a login inserting a token (its foreign key check locks the row KEY SHARE)."""
    _cache().discard_user(user_id)
    now = clock.now()
    result = db.session.execute(
        update(AccessToken).where(AccessToken.user_id == user_id, AccessToken.revoked_at.is_(None),
                                  AccessToken.expires_at > now).values(revoked_at=now)
        .execution_options(synchronize_session=False))
    return result.rowcount


def _live_token(token):
    """(AccessToken, User) of a live (unexpired, unrevoked) token of an active user, or None."""
    if not token:
        return None
    row = db.session.execute(
        select(AccessToken, User).join(User, User.id == AccessToken.user_id)
        .where(AccessToken.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    access, user = row
    if access.revoked_at is not None or access.expires_at <= clock.now() or not user.is_active:
        return None
    return row


def actor_for_token(token):
    """The Actor of a live (unexpired, unrevoked) token of an active user, or None.

    The database is asked once per process and token (core.token_cache); later uses check the expiry
    and the revocation watch, which learns of a revocation in any process within
    TOKEN_REVOCATION_POLL_SECONDS."""
    if not token:
        return None
    digest, cache = _digest(token), _cache()
    kept = cache.get(digest)
    if kept is not None:
        return _still_live(cache, digest, *kept)
    row = _live_token(token)
    if row is None:
        return None
    actor = actor_for(row[1])
    cache.put(digest, actor, row[0].expires_at)
    return actor


def cached_actor_for_token(token):
    """The Actor of a first-party token this process has already found live and that still is, or None, without
    a database round trip (records.fhir.fast_read leaves every other token to the full path)."""
    digest, cache = _digest(token), _cache()
    kept = cache.get(digest)
    return _still_live(cache, digest, *kept) if kept is not None else None


def _still_live(cache, digest, actor, expires_at):
    interval = current_app.config.get("TOKEN_REVOCATION_POLL_SECONDS", 1.0)
    if expires_at > clock.now() and not revocations.is_revoked(digest, interval):
        return actor
    cache.discard(digest)  # dead for good: a revoked or expired token never comes back
    return None


@dataclass(frozen=True)
class TokenSession:
    """A connection's authentication, checked once at connect: who, and which token until when."""

    actor: Actor
    token_hash: str
    expires_at: datetime


def open_token_session(token):
    """Authenticate a long-lived connection (a WebSocket) with a bearer token; None when the token is not live."""
    row = _live_token(token)
    return TokenSession(actor_for(row[1]), row[0].token_hash, row[0].expires_at) if row else None


def token_session_problem(token_session):
    """Why the connection may no longer act ("token_expired", "token_revoked"), or None while it may.

    Cheap enough for every event: expiry is compared with the clock, revocation looked up in the
    process's revocation watch (refreshed from the database at most every TOKEN_REVOCATION_POLL_SECONDS).
    """
    if token_session.expires_at <= clock.now():
        return "token_expired"
    interval = current_app.config.get("TOKEN_REVOCATION_POLL_SECONDS", 1.0)
    return "token_revoked" if revocations.is_revoked(token_session.token_hash, interval) else None


def token_sessions_problems(token_sessions):
    """{key: problem} for the entries of the mapping `token_sessions` (key -> TokenSession) that may no longer
    act; for a whole process's connections at once: one refresh of the revocation watch at most."""
    now = clock.now()
    interval = current_app.config.get("TOKEN_REVOCATION_POLL_SECONDS", 1.0)
    live = {key: s for key, s in token_sessions.items() if s.expires_at > now}
    revoked = revocations.revoked_among({s.token_hash for s in live.values()}, interval) if live else set()
    return {key: "token_expired" if key not in live else "token_revoked"
            for key, s in token_sessions.items() if key not in live or s.token_hash in revoked}


def bearer_token():
    """The bearer token of the current request, or None."""
    return token_in(request.headers.get("Authorization", ""))


def token_in(authorization):
    """The bearer token of an Authorization header's value, or None."""
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


_token_resolvers = []


def register_token_resolver(resolver):
    """Register `resolver(token) -> Actor | None` for bearer tokens that are not first-party (SMART's)."""
    if resolver not in _token_resolvers:
        _token_resolvers.append(resolver)


def _actor_for_any_token(token):
    actor = actor_for_token(token)
    for resolver in _token_resolvers if actor is None and token else ():
        actor = resolver(token)
        if actor is not None:
            break
    return actor


def current_actor(required=True):
    """The authenticated Actor of this request; 401 when required and missing or invalid."""
    if "actor" not in g:
        g.actor = _actor_for_any_token(bearer_token())
    if g.actor is None and required:
        raise ApiError(401, "unauthorized", "A valid bearer token is required.",
                       headers={"WWW-Authenticate": 'Bearer realm="cloud-hospital"'})
    return g.actor


def require_role(*roles):
    """Decorator: the caller must be authenticated and hold one of `roles` (403 otherwise)."""

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if (roles and actor.role not in roles) or (not roles and actor.role in NAMED_ONLY_ROLES):
                raise ApiError(403, "forbidden", "Your role may not perform this action.")
            return fn(*args, **kwargs)

        wrapper.required_roles = roles  # read by core.blueprint: the OpenAPI security and 401/403 of the view
        return wrapper

    return decorate


# Relationship checks: a domain registers providers for a relation at start-up
# (e.g. clinic registers "cares_for_patient" from appointments and family-doctor bindings);
# a relation holds when any provider says so.
_relationship_providers = {}


def register_relationship(relation, provider):
    """Register `provider(actor, target) -> bool` for `relation`."""
    _relationship_providers.setdefault(relation, [])
    if provider not in _relationship_providers[relation]:
        _relationship_providers[relation].append(provider)


_remembered = contextvars.ContextVar("remembered_relationships", default=None)


def has_relationship(actor, relation, target):
    """True when any registered provider grants `actor` the `relation` to `target`."""
    remembered = _remembered.get()
    if remembered is None:
        return any(provider(actor, target) for provider in _relationship_providers.get(relation, ()))
    key = (actor, relation, target)
    if key not in remembered:
        remembered[key] = any(provider(actor, target) for provider in _relationship_providers.get(relation, ()))
    return remembered[key]


@contextlib.contextmanager
def relationships_remembered():
    """Within the block, has_relationship asks the providers once per (actor, relation, target): the checks
    of a Bundle's 200 entries about one patient cost one lookup (each a few searches), not 200. Only for
    blocks that write nothing between their checks, so no answer can change inside them."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


# Patient scope: the patients whose records a (non-patient, non-admin) actor may see, for filtering
# searches. Domains register providers (care relationships from appointments, family-doctor
# bindings, prescriptions routed to a pharmacy); the scope is the union of what they return.
_scope_providers = []


def register_patient_scope(provider):
    """Register `provider(actor) -> iterable of patient ids` the actor may see."""
    if provider not in _scope_providers:
        _scope_providers.append(provider)


def patients_in_scope(actor):
    """The set of patient ids `actor` may see through any registered relationship."""
    found = set()
    for provider in _scope_providers:
        found.update(provider(actor) or ())
    return found
