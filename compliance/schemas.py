"""Schemas of the compliance API: the feed, push endpoints and their dead letters, holds."""
from marshmallow import Schema, ValidationError, fields, post_load, validate

from compliance import feed

MAX_LIMIT = 500


class FeedQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "Resume after this position: the cursor of an earlier page's `next`"})

    @post_load
    def position(self, data, **_):
        after = 0
        if data.get("cursor"):
            try:
                after = feed.decode_cursor(data["cursor"])
            except ValueError as exc:
                raise ValidationError(str(exc), "cursor") from None
        return {"limit": data["limit"], "after": after}


class FeedEntrySchema(Schema):
    position = fields.Integer(required=True)
    trace_id = fields.String(required=True)
    trace_seq = fields.Integer(required=True)
    kind = fields.String(required=True)
    subject = fields.String(required=True)
    patient = fields.String(allow_none=True)
    actor = fields.Dict(required=True)
    occurred_at = fields.String(required=True)
    recorded_at = fields.String(required=True)
    payload = fields.Dict(required=True)


class FeedPageSchema(Schema):
    items = fields.List(fields.Nested(FeedEntrySchema), required=True)
    next = fields.String(required=True, metadata={"description": "The URL of what follows, with the cursor to resume "
                                                                 "from (also when this page is empty)"})
    total = fields.Integer(allow_none=True, metadata={"description": "Always null: a feed has no total"})


class EndpointInSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    secret = fields.String(required=True, load_only=True, validate=validate.Length(min=16, max=200))
    description = fields.String(validate=validate.Length(max=200))
    from_start = fields.Boolean(load_default=False, metadata={"description": "Send the whole feed, not only what "
                                                                             "follows the endpoint's creation"})


class EndpointPatchSchema(Schema):
    url = fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=500))
    secret = fields.String(load_only=True, validate=validate.Length(min=16, max=200))
    description = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()


class EndpointSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    description = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    enqueued_through = fields.Integer(required=True)
    created_at = fields.DateTime(required=True)


class DeliverySchema(Schema):
    endpoint_id = fields.String(required=True)
    entry_id = fields.Integer(required=True)
    trace_id = fields.String(required=True)
    status = fields.String(required=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(required=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)


class HoldInSchema(Schema):
    target_type = fields.String(required=True, validate=validate.OneOf(("Patient", "Consultation", "Prescription")))
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HoldLiftSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HoldSchema(Schema):
    id = fields.String(required=True)
    target_type = fields.String(required=True)
    target_id = fields.String(required=True)
    reason = fields.String(required=True)
    placed_by = fields.String(allow_none=True)
    placed_at = fields.DateTime(required=True)
    lifted_by = fields.String(allow_none=True)
    lifted_at = fields.DateTime(allow_none=True)
    lift_reason = fields.String(allow_none=True)


class TraceSchema(Schema):
    trace_id = fields.String(required=True)
    steps = fields.List(fields.Nested(FeedEntrySchema), required=True)
    consultation = fields.Dict(required=True)
    prescription = fields.Dict(required=True)
    signature = fields.Dict(required=True)
    reviewer = fields.Dict(allow_none=True)
    orders = fields.List(fields.Dict(), required=True)
    fhir = fields.List(fields.Dict(), required=True, metadata={"description": "{reference, resource} of each FHIR "
                                                                               "resource of the chain"})
