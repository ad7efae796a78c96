"""Push endpoints (admin): where the feed is pushed, with the secret its signatures use; their dead letters and
replay. A receiver on a loopback, private, link-local or reserved address is refused (the server must not be
made to call into its own network) unless SUPERVISION_ALLOW_PRIVATE_ENDPOINTS is on."""
import ipaddress
import socket
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import func, select, update

from compliance import sealing
from compliance.models import Delivery, FeedEntry, PushEndpoint
from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from core.types import new_id


def _addresses(host):
    try:
        return {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return set()


def refusal_of(url):
    """Why `url` may not be pushed to, or None when it may."""
    host = urlsplit(url).hostname
    if not host:
        return "the URL names no host"
    if current_app.config["SUPERVISION_ALLOW_PRIVATE_ENDPOINTS"]:
        return None
    addresses = _addresses(host)
    if not addresses:
        return f"{host} does not resolve"
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return f"{host} resolves to {address}, a loopback, private or reserved address"
    return None


def _checked_url(url):
    why = refusal_of(url)
    if why:
        raise ApiError(422, "endpoint_refused", f"This endpoint cannot be used: {why}.", field="url")
    return url


def get_endpoint(endpoint_id):
    """The endpoint, or 404."""
    endpoint = db.session.get(PushEndpoint, endpoint_id)
    if endpoint is None:
        raise ApiError(404, "not_found", "No such endpoint.")
    return endpoint


def create_endpoint(actor, url, secret, description=None, from_start=False):
    """Add an endpoint: it receives what the feed records from now on (or, `from_start`, the whole feed)."""
    endpoint_id = new_id()
    start = 0 if from_start else db.session.scalar(select(func.max(FeedEntry.id))) or 0
    endpoint = PushEndpoint(id=endpoint_id, url=_checked_url(url), description=description,
                            secret_sealed=sealing.seal(secret, endpoint_id), active=True, enqueued_through=start,
                            created_at=clock.now())
    db.session.add(endpoint)
    db.session.flush()
    record_access(actor, "create", f"SupervisionEndpoint/{endpoint_id}", None, detail={"url": endpoint.url})
    return endpoint


def update_endpoint(actor, endpoint_id, changes):
    """Change an endpoint's url, secret, description or whether it is active."""
    endpoint = get_endpoint(endpoint_id)
    if "url" in changes:
        endpoint.url = _checked_url(changes["url"])
    if "secret" in changes:
        endpoint.secret_sealed = sealing.seal(changes["secret"], endpoint.id)
    for name in ("description", "active"):
        if name in changes:
            setattr(endpoint, name, changes[name])
    db.session.flush()
    record_access(actor, "update", f"SupervisionEndpoint/{endpoint.id}", None,
                  detail={k: v for k, v in changes.items() if k != "secret"})
    return endpoint


def delete_endpoint(actor, endpoint_id):
    """Remove an endpoint and what was owed to it (the feed itself stays)."""
    endpoint = get_endpoint(endpoint_id)
    db.session.delete(endpoint)
    db.session.flush()
    record_access(actor, "delete", f"SupervisionEndpoint/{endpoint_id}", None)


def dead_letters(endpoint_id, page):
    """The page of an endpoint's deliveries that gave up, oldest first."""
    get_endpoint(endpoint_id)
    return page.rows(select(Delivery).where(Delivery.endpoint_id == endpoint_id, Delivery.status == "dead")
                     .order_by(Delivery.entry_id))


def replay(actor, endpoint_id, entry_ids=None):
    """Send dead letters again (all of the endpoint's, or those named): they are pending, due now, tries reset."""
    get_endpoint(endpoint_id)
    stmt = update(Delivery).where(Delivery.endpoint_id == endpoint_id, Delivery.status == "dead")
    if entry_ids:
        stmt = stmt.where(Delivery.entry_id.in_(entry_ids))
    count = db.session.execute(stmt.values(status="pending", attempts=0, next_attempt_at=clock.now())
                               .execution_options(synchronize_session=False)).rowcount
    record_access(actor, "update", f"SupervisionEndpoint/{endpoint_id}", None, detail={"replayed": count})
    return count
