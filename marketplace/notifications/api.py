from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.notifications import services
from marketplace.notifications.schemas import (
    InboxQueryArgsSchema,
    MarkedSchema,
    NotificationSchema,
    NotificationSettingsSchema,
    UnreadCountSchema,
)
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint

blp = Blueprint("notifications", __name__, description="站内通知与通知渠道")


@blp.route("/me/notifications")
class Inbox(MethodView):
    @blp.arguments(InboxQueryArgsSchema, location="query")
    @blp.response(200, NotificationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """我的通知

        The caller's notifications, newest first (`unread=true`: only those not read yet)."""
        return page_of(services.inbox(require_user(), args["unread"]), pagination_parameters)


@blp.route("/me/notifications/unread-count")
class UnreadCount(MethodView):
    @blp.response(200, UnreadCountSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """未读通知数"""
        return {"unread": services.unread_count(require_user())}


@blp.route("/me/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationSchema)
    @blp.doc(security=SECURITY)
    def post(self, notification_id):
        """标记通知为已读"""
        return services.mark_read(require_user(), notification_id)


@blp.route("/me/notifications/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, MarkedSchema)
    @blp.doc(security=SECURITY)
    def post(self):
        """全部标记为已读"""
        return {"marked": services.mark_all_read(require_user())}


@blp.route("/me/notification-settings")
class Settings(MethodView):
    @blp.response(200, NotificationSettingsSchema)
    @blp.doc(security=SECURITY)
    def get(self):
        """通知渠道设置

        The channels beyond the in-app inbox (always on): mail, on by default; SMS to a mainland
        mobile number, off by default (`sms_available`: whether this platform sends SMS)."""
        return services.settings_of(require_user())

    @blp.arguments(NotificationSettingsSchema)
    @blp.response(200, NotificationSettingsSchema)
    @blp.doc(security=SECURITY)
    def put(self, body):
        """修改通知渠道

        The fields given change, the others stay. SMS needs a mobile number (422 naming `mobile`),
        given here or before; the number is read as its 11 digits (spaces, hyphens and +86 go)."""
        return services.change_settings(require_user(), body)
