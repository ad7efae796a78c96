"""Issued SMART tokens: saving what Authlib generated, turning a bearer token into a scoped Actor on /fhir,
revocation, and the apps a user has authorised."""
from datetime import timedelta

from flask import current_app, request
from sqlalchemy import func, select, update

from core import auth, clock
from core.audit import record_access
from core.extensions import db
from core.models import User
from records.api import scopes as smart_scopes
from smart.clients import digest
from smart.models import SmartClient, SmartToken


def _actor(token_row, user):
    """The Actor a token acts as: its user narrowed by its scopes, or (a backend client) the system."""
    granted = smart_scopes.resource_scopes(token_row.scope)
    if user is None:
        return auth.Actor(None, "system", f"client {token_row.client_id}", client_id=token_row.client_id,
                          scopes=granted)
    base = auth.actor_for(user)
    return auth.Actor(base.user_id, base.role, base.name, base.patient_id, base.practitioner_id, base.pharmacy_id,
                      client_id=token_row.client_id, scopes=granted, context_patient=token_row.patient_id)


def save_token(token, oauth_request):
    """Authlib's save_token: store digests of the new tokens; add the launch context to the response."""
    user = getattr(oauth_request, "user", None)
    client = oauth_request.client
    now = clock.now()
    patient_id = user.patient_id if user is not None and user.role == "patient" else None
    row = SmartToken(client_id=client.client_id, user_id=user.id if user is not None else None,
                     scope=token.get("scope", ""), patient_id=patient_id,
                     access_token_hash=digest(token["access_token"]), issued_at=now,
                     expires_at=now + timedelta(seconds=token["expires_in"]))
    if token.get("refresh_token"):
        row.refresh_token_hash = digest(token["refresh_token"])
        row.refresh_expires_at = now + timedelta(seconds=current_app.config["SMART_REFRESH_TOKEN_SECONDS"])
    db.session.add(row)
    db.session.flush()
    if patient_id and "launch/patient" in row.scope.split():
        token["patient"] = patient_id  # SMART launch context: the app learns whose record it was given
    grant_type = oauth_request.payload.grant_type if oauth_request.payload else None
    record_access(_actor(row, user), "token", f"SmartClient/{client.client_id}",
                  f"Patient/{patient_id}" if patient_id else None,
                  detail={"client_id": client.client_id, "grant_type": grant_type, "scope": row.scope})


def live_row(column, value, lock=False):
    """The SmartToken whose `column` digest matches `value`, live (unexpired, unrevoked, active client), or None;
    `lock`: hold the row (FOR UPDATE) so two uses of one refresh token are decided one after the other."""
    if not value:
        return None
    stmt = select(SmartToken, SmartClient).join(SmartClient).where(column == digest(value))
    row = db.session.execute(stmt.with_for_update(of=SmartToken) if lock else stmt).first()
    if row is None or not row[1].is_active or row[0].revoked_at is not None:
        return None
    expires = row[0].expires_at if column is SmartToken.access_token_hash else row[0].refresh_expires_at
    return row[0] if expires and expires > clock.now() else None


def actor_for_smart_token(token):
    """core.auth's token resolver: the scoped Actor of a live SMART access token, on /fhir only."""
    if not request.path.startswith("/fhir"):
        return None
    row = live_row(SmartToken.access_token_hash, token)
    if row is None:
        return None
    user = db.session.get(User, row.user_id) if row.user_id else None
    if row.user_id and (user is None or not user.is_active):
        return None
    return _actor(row, user)


def revoke_row(row):
    """Revoke an issue (its access and refresh tokens together)."""
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        db.session.flush()


def authorised_apps(user_id):
    """The apps holding live tokens of the user: [{client_id, name, scope, authorised_at, expires_at}]."""
    now = clock.now()
    live = (SmartToken.revoked_at.is_(None)) & (
        (SmartToken.expires_at > now) | (SmartToken.refresh_expires_at > now))
    rows = db.session.execute(
        select(SmartClient.client_id, SmartClient.name, func.min(SmartToken.issued_at),
               func.max(func.coalesce(SmartToken.refresh_expires_at, SmartToken.expires_at)))
        .join(SmartToken).where(SmartToken.user_id == user_id, live)
        .group_by(SmartClient.client_id, SmartClient.name).order_by(SmartClient.name)).all()
    scopes_of = {}
    for client_id, scope in db.session.execute(select(SmartToken.client_id, SmartToken.scope)
                                               .where(SmartToken.user_id == user_id, live)):
        scopes_of.setdefault(client_id, set()).update(scope.split())
    return [{"client_id": c, "name": n, "scope": " ".join(sorted(scopes_of.get(c, ()))), "authorised_at": first,
             "expires_at": last} for c, n, first, last in rows]


def revoke_app(user_id, client_id):
    """Revoke every token the user gave `client_id`; return how many issues were revoked."""
    result = db.session.execute(
        update(SmartToken).where(SmartToken.user_id == user_id, SmartToken.client_id == client_id,
                                 SmartToken.revoked_at.is_(None)).values(revoked_at=clock.now())
        .execution_options(synchronize_session=False))
    return result.rowcount
