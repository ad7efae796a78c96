"""Schemas of the notification inbox."""
import json

from marshmallow import Schema, fields

from core.pagination import PageQuerySchema


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True)
    data = fields.Function(lambda row: json.loads(row.data) if row.data else {})
    is_read = fields.Boolean()
    created_at = fields.DateTime()


class NotificationQuerySchema(PageQuerySchema):
    unread = fields.Boolean(metadata={"description": "Only unread notifications"})
