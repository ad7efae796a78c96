"""marshmallow schemas of pharmacy's app API."""
from marshmallow import Schema, fields, validate

from core.fields import FHIR_ID
from core.pagination import PageQuerySchema
from pharmacy.pharmacies import WEEKDAYS

SHORT = validate.Length(min=1, max=100)
HHMM_SPAN = validate.Regexp(r"^\d{2}:\d{2}-\d{2}:\d{2}$", error="write HH:MM-HH:MM")


class PrescriptionItemSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "ATC code, e.g. C08CA01"})
    system = fields.String(load_default="http://www.whocc.no/atc", validate=validate.Length(max=100))
    display = fields.String(dump_only=True)
    dose = fields.String(required=True, validate=SHORT, metadata={"description": "e.g. '5 mg'"})
    frequency = fields.String(required=True, validate=SHORT, metadata={"description": "e.g. 'once daily'"})
    route = fields.String(required=True, validate=validate.Length(min=1, max=50), metadata={"description": "e.g. oral"})
    # strict: 1.5 tablets is refused, not truncated to 1
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=10000),
                              metadata={"description": "units to dispense (tablets, capsules, ...)"})
    days_supply = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365))
    notes = fields.String(allow_none=True, validate=validate.Length(max=1000))
    position = fields.Integer(dump_only=True)


class PrescriptionCreateSchema(Schema):
    consultation_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    items = fields.List(fields.Nested(PrescriptionItemSchema), required=True, validate=validate.Length(min=1, max=20))
    replaces = fields.String(load_default=None, validate=validate.Length(min=1, max=32), metadata={
        "description": "id of a live prescription of the same consultation that this one replaces"})


class PrescriptionQuerySchema(PageQuerySchema):
    consultation_id = fields.String(validate=FHIR_ID)
    patient_id = fields.String(validate=FHIR_ID)
    status = fields.String(validate=validate.OneOf(("pending_review", "approved", "rejected", "replaced")))


class SignatureSchema(Schema):
    algorithm = fields.String()
    key_id = fields.String()
    value = fields.String(metadata={"description": "base64 Ed25519 signature of the canonical form"})
    signed_at = fields.DateTime()


class ReviewInfoSchema(Schema):
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)


class PrescriptionSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending_review | approved | rejected | replaced"})
    consultation_id = fields.String()
    replaces = fields.String(allow_none=True, metadata={"description": "the prescription this one replaced"})
    patient_id = fields.String()
    practitioner_id = fields.String()
    issued_at = fields.DateTime()
    signature = fields.Nested(SignatureSchema)
    review = fields.Nested(ReviewInfoSchema, allow_none=True)
    check = fields.Dict(allow_none=True, metadata={"description": "the prescribe check's decision"})
    items = fields.List(fields.Nested(PrescriptionItemSchema))
    changed = fields.Boolean(metadata={"description": "false when a repeated request changed nothing"})


class SignerSchema(Schema):
    practitioner_id = fields.String()
    name = fields.String(allow_none=True)


class VerificationSchema(Schema):
    valid = fields.Boolean(required=True)
    key_id = fields.String()
    signed_at = fields.DateTime()
    algorithm = fields.String()
    public_key = fields.String(allow_none=True, metadata={"description": "PEM (SubjectPublicKeyInfo)"})
    signer = fields.Nested(SignerSchema)


class ReviewSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    reason = fields.String(validate=validate.Length(max=1000), allow_none=True)


class OrderQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(("offered", "accepted", "prepared", "picked_up",
                                                    "out_for_delivery", "delivered", "cancelled")))


class LocationSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))


class FulfilmentSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(("pickup", "delivery")))
    location = fields.Nested(LocationSchema, required=True)
    address = fields.String(validate=validate.Length(max=300), allow_none=True)


class DeclineSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class PharmacySummarySchema(Schema):
    id = fields.String()
    name = fields.String()
    address = fields.String()
    phone = fields.String(allow_none=True)
    distance_km = fields.Float(allow_none=True)


class OrderItemSchema(Schema):
    code = fields.String()
    system = fields.String()
    display = fields.String()
    quantity = fields.Integer()


class OrderSchema(Schema):
    id = fields.String(required=True)
    order_id = fields.String(required=True)
    prescription_id = fields.String()
    status = fields.String(required=True)
    mode = fields.String()
    pharmacy = fields.Nested(PharmacySummarySchema, allow_none=True)
    offer_deadline = fields.DateTime(allow_none=True)
    reason = fields.String(allow_none=True)
    round = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    items = fields.List(fields.Nested(OrderItemSchema))
    patient_id = fields.String(metadata={"description": "pharmacies only"})
    address = fields.String(allow_none=True, metadata={"description": "pharmacies only, delivery orders"})
    changed = fields.Boolean(metadata={"description": "false when a repeated request changed nothing"})


class DeclinedSchema(Schema):
    order_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "this pharmacy's offer: declined"})
    reason = fields.String(allow_none=True)
    changed = fields.Boolean()


class ExceptionDaySchema(Schema):
    date = fields.Date(required=True)
    hours = fields.List(fields.String(validate=HHMM_SPAN), load_default=list,
                        metadata={"description": "special hours that day; empty: closed all day"})
    note = fields.String(validate=validate.Length(max=200))


class PharmacyCreateSchema(Schema):
    id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_.-]{1,64}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(required=True, validate=validate.Length(min=1, max=300))
    district = fields.String(validate=validate.Length(max=100))
    phone = fields.String(validate=validate.Length(max=20))
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    timezone = fields.String(load_default="Asia/Shanghai", validate=validate.Length(min=1, max=64))
    pickup = fields.Boolean(load_default=True)
    delivery = fields.Boolean(load_default=False)
    delivery_radius_km = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=100))
    capacity = fields.Integer(load_default=20, validate=validate.Range(min=0, max=100000))
    routable = fields.Boolean(load_default=True)
    reviews = fields.Boolean(load_default=False)
    hours = fields.Dict(keys=fields.String(validate=validate.OneOf(WEEKDAYS)),
                        values=fields.List(fields.String(validate=HHMM_SPAN)), load_default=dict,
                        metadata={"description": 'weekly hours, e.g. {"mon": ["08:00-21:00"]}'})
    exceptions = fields.List(fields.Nested(ExceptionDaySchema), load_default=list)


class PharmacySchema(Schema):
    id = fields.String()
    name = fields.String()
    address = fields.String()
    district = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    lat = fields.Float()
    lon = fields.Float()
    timezone = fields.String()
    pickup = fields.Boolean()
    delivery = fields.Boolean()
    delivery_radius_km = fields.Float()
    capacity = fields.Integer()
    open_orders = fields.Integer()
    routable = fields.Boolean()
    reviews = fields.Boolean()
    is_active = fields.Boolean()
    hours = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    open_now = fields.Boolean()
    distance_km = fields.Float()


class NearQuerySchema(PageQuerySchema):
    near = fields.String(required=True, validate=validate.Regexp(r"^\s*-?\d{1,2}(\.\d+)?\s*,\s*-?\d{1,3}(\.\d+)?\s*$"),
                         metadata={"description": "LAT,LON, e.g. 29.87,121.55"})
    radius_km = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=100))


class StockItemSchema(Schema):
    code = fields.String(required=True)
    system = fields.String()
    name = fields.String(allow_none=True)
    form = fields.String(allow_none=True)
    strength = fields.String(allow_none=True)
    on_hand = fields.Integer()
    reserved = fields.Integer(dump_only=True)
    available = fields.Integer(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class StockRowSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    system = fields.String(validate=validate.Length(min=1, max=100))
    name = fields.String(allow_none=True, validate=validate.Length(max=200))
    form = fields.String(allow_none=True, validate=validate.Length(max=100))
    strength = fields.String(allow_none=True, validate=validate.Length(max=100))
    on_hand = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10_000_000))


class StockUpdateSchema(Schema):
    items = fields.List(fields.Nested(StockRowSchema), validate=validate.Length(max=5000))
    csv = fields.String(validate=validate.Length(max=2_000_000),
                        metadata={"description": "CSV text with a header: code,system,name,form,strength,on_hand"})
