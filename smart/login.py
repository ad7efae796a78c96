"""Checking the username and password typed on the consent page (throttled like the app's login, but
issuing no first-party token: the app gets only the scoped token of the grant)."""
from sqlalchemy import select

from core import ratelimit
from core.extensions import db
from core.identity import IdentityError, normalise_phone
from core.models import User
from core.passwords import verify_password


def check_credentials(username, password, address):
    """The active User with these credentials, or None (counted as a failed login); ApiError 429 when throttled."""
    username = (username or "").strip()
    ratelimit.check_login_allowed(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None and username:
        try:  # a patient may type the phone with +86 or spaces, as in the app
            user = db.session.scalar(select(User).where(User.username == normalise_phone(username)))
        except IdentityError:
            pass
    if not verify_password(user.password_hash if user else None, password or "") or not user.is_active:
        ratelimit.record_login_failure(username, address)
        return None
    ratelimit.record_login_success(username, address)
    return user
