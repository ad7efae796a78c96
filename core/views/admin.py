"""Admin endpoints: staff accounts."""
from flask.views import MethodView
from sqlalchemy import select

from core import accounts
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.extensions import db
from core.models import User
from core.pagination import page_of
from core.schemas import StaffCreateSchema, UserQuerySchema, UserSchema, UserUpdateSchema

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Administration")


@bp.route("/users")
class Users(MethodView):
    @require_role("admin")
    @bp.doc(operationId="listUsers")
    @bp.arguments(UserQuerySchema, location="query")
    @bp.response(200, page_of(UserSchema))
    def get(self, query):
        """List accounts (admin only)."""
        stmt = select(User).order_by(User.created_at, User.id)
        if query.get("role"):
            stmt = stmt.where(User.role == query["role"])
        page = query["page"]
        return page.answer(page.rows(stmt))

    @require_role("admin")
    @bp.doc(operationId="createStaffAccount")
    @bp.errors({409: "That username is taken, or another active account holds the practitioner link.",
                422: "The practitioner or pharmacy linked does not exist."})
    @bp.arguments(StaffCreateSchema)
    @bp.response(201, UserSchema)
    def post(self, body):
        """Create a staff account: doctor (linked to a practitioner), pharmacist (to a pharmacy), nurse or admin."""
        return accounts.create_staff(**body, check_links=True)


@bp.route("/users/<string:user_id>")
class UserById(MethodView):
    @require_role("admin")
    @bp.doc(operationId="getUser")
    @bp.errors({404: "No such user."})
    @bp.response(200, UserSchema)
    def get(self, user_id):
        """One account (admin only)."""
        return _user_or_404(user_id)

    @require_role("admin")
    @bp.doc(operationId="updateUser")
    @bp.errors({404: "No such user.", 409: "You cannot deactivate your own account, or (reactivating) another "
                                        "active account now holds its practitioner link."})
    @bp.arguments(UserUpdateSchema)
    @bp.response(200, UserSchema)
    def patch(self, body, user_id):
        """Activate or deactivate an account (admin only; not your own). Deactivating revokes its tokens."""
        if "is_active" not in body:
            return _user_or_404(user_id)
        return accounts.set_active(current_actor(), user_id, body["is_active"])


def _user_or_404(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", "No such user.")
    return user
