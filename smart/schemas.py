"""Marshmallow schemas of SMART's app-API routes."""
from marshmallow import Schema, fields, validate

from smart.models import AUTH_METHODS


class ClientCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    auth_method = fields.String(required=True, validate=validate.OneOf(AUTH_METHODS),
                                metadata={"description": "none: a public app with PKCE; client_secret_*: a "
                                                         "confidential app; private_key_jwt: a backend service"})
    scope = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                          metadata={"description": "the most the client may ask for, e.g. "
                                                   "'launch/patient offline_access patient/*.rs'"})
    redirect_uris = fields.List(fields.URL(require_tld=False), load_default=list)
    jwks = fields.Dict(load_default=None, metadata={"description": "{keys: [...]}: a backend's public keys"})


class ClientSchema(Schema):
    client_id = fields.String()
    name = fields.String()
    auth_method = fields.String()
    scope = fields.String()
    redirect_uris = fields.List(fields.String(), attribute="redirect_uri_list")
    is_active = fields.Boolean()
    created_at = fields.DateTime()
    client_secret = fields.String(metadata={"description": "shown once, at registration"})


class AuthorisedAppSchema(Schema):
    client_id = fields.String()
    name = fields.String()
    scope = fields.String()
    authorised_at = fields.DateTime()
    expires_at = fields.DateTime()
