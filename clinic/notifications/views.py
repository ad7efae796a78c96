"""The caller's notification inbox (another user's notification answers 404, audited as denied)."""
from flask.views import MethodView
from sqlalchemy import select, update

from clinic.notifications import Notification
from clinic.notifications.schemas import NotificationQuerySchema, NotificationSchema
from core.audit import record_access
from core.auth import current_actor, require_role
from core.blueprint import Blueprint
from core.errors import ApiError
from core.extensions import db
from core.models import User
from core.pagination import page_of

bp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="Notification inbox")


@bp.route("")
class Notifications(MethodView):
    @require_role()
    @bp.doc(operationId="listNotifications")
    @bp.arguments(NotificationQuerySchema, location="query")
    @bp.response(200, page_of(NotificationSchema))
    def get(self, query):
        """The caller's notifications, newest first."""
        stmt = select(Notification).where(Notification.user_id == current_actor().user_id)
        if query.get("unread"):
            stmt = stmt.where(Notification.is_read.is_(False))
        page = query["page"]
        return page.answer(page.rows(stmt.order_by(Notification.created_at.desc(), Notification.id)))


@bp.route("/<string:notification_id>/read")
class MarkRead(MethodView):
    @require_role()
    @bp.doc(operationId="markNotificationRead")
    @bp.errors({404: "No such notification, or not yours."})
    @bp.response(200, NotificationSchema)
    def post(self, notification_id):
        """Mark one notification read (404 unless it is yours)."""
        actor = current_actor()
        row = db.session.get(Notification, notification_id)
        if row is None:
            raise ApiError(404, "not_found", "No such notification.")
        if row.user_id != actor.user_id:
            owner = db.session.get(User, row.user_id)
            record_access(actor, "update", f"Notification/{row.id}",
                          f"Patient/{owner.patient_id}" if owner and owner.patient_id else None, outcome="denied",
                          detail={"reason": "not the caller's notification", "view": "read"})
            raise ApiError(404, "not_found", "No such notification.")
        row.is_read = True
        db.session.flush()
        return row


@bp.route("/read-all")
class MarkAllRead(MethodView):
    @require_role()
    @bp.doc(operationId="markAllNotificationsRead")
    @bp.response(204)
    def post(self):
        """Mark every notification of the caller read."""
        db.session.execute(update(Notification).where(Notification.user_id == current_actor().user_id,
                                                      Notification.is_read.is_(False)).values(is_read=True))
