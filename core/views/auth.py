"""Authentication endpoints: token, logout, me (registration: core/views/registration.py)."""
from flask import request
from flask.views import MethodView

from core import accounts, auth
from core.blueprint import Blueprint
from core.extensions import db
from core.models import User
from core.schemas import MeSchema, TokenRequestSchema, TokenSchema

bp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and bearer tokens")


@bp.route("/auth/token")
class Token(MethodView):
    @bp.doc(operationId="logIn")
    @bp.errors({
        401: "The username or password is incorrect, or the account is deactivated.",
        429: "Too many failed logins from this address (for this account, or for any), or for this account from "
             "addresses it never logged in from: retry after Retry-After seconds.",
    })
    @bp.arguments(TokenRequestSchema, example={"username": "13800000001", "password": "patient123"})
    @bp.response(200, TokenSchema, example={"access_token": "k3J9x0dQ2...", "token_type": "Bearer",
                                            "expires_in": 28800, "role": "patient"})
    def post(self, body):
        """Log in: exchange a username and password for an expiring bearer token."""
        user, token, expires_in = accounts.login(body["username"], body["password"], request.remote_addr)
        return {"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "role": user.role}


@bp.route("/auth/logout")
class Logout(MethodView):
    @auth.require_role()
    @bp.doc(operationId="logOut")
    @bp.response(204)
    def post(self):
        """Log out: revoke the bearer token used for this request."""
        auth.current_actor()
        auth.revoke_token(auth.bearer_token())


@bp.route("/me")
class Me(MethodView):
    @auth.require_role()
    @bp.doc(operationId="getMe")
    @bp.response(200, MeSchema)
    def get(self):
        """The authenticated account."""
        return db.session.get(User, auth.current_actor().user_id)
