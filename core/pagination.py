"""The one pagination contract of every app-API list.

Ask with `limit` (1..200, default 50) and `cursor` (opaque: copy it from the previous page's `next`).
Every list answers {"items": [...], "next": <absolute URL of the next page, or null on the last>,
"total": <size of the whole list, or null>}. `total` is given where it costs nothing: lists assembled in
memory; a list paged in the database gives null rather than counting. Following `next` keeps the filters
(the cursor is bound to them: a cursor sent with other filters is a 422); `limit` may change between pages.

A cursor is an offset today; clients must not build one, so it may become a keyset position later.
"""
import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, post_load, validate

from core.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 10_000_000
CONTROL = ("limit", "cursor")


@dataclass
class Page:
    """One page of a list: where it starts, how long it is, and (once filled) whether another follows."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    filters: str = ""  # fingerprint of the other query arguments, carried in the cursor
    more: bool = False
    total: int | None = None

    def rows(self, stmt):
        """Run a SELECT (already ordered) for this page: one row more than asked says whether another follows."""
        found = db.session.scalars(stmt.limit(self.limit + 1).offset(self.offset)).all()
        self.more = len(found) > self.limit
        return found[:self.limit]

    def cut(self, items):
        """This page of a list assembled in memory, whose size is then the total."""
        items = list(items)
        self.total = len(items)
        self.more = self.offset + self.limit < len(items)
        return items[self.offset:self.offset + self.limit]

    def answer(self, items):
        """The response body: the items of this page (from rows() or cut()), the next link, the total."""
        return {"items": list(items), "next": self._next_url() if self.more else None, "total": self.total}

    def _next_url(self):
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
        args.append(("cursor", encode_cursor(self.offset + self.limit, self.filters)))
        public = current_app.config.get("PUBLIC_BASE_URL")
        root = public.rstrip("/").removesuffix("/fhir") if public else request.url_root.rstrip("/")
        return f"{root}{request.path}?{urlencode(args)}"


def everything(items):
    """The page body of a list that is never cut (the answer of a bulk write)."""
    items = list(items)
    return {"items": items, "next": None, "total": len(items)}


def encode_cursor(offset, filters):
    raw = json.dumps({"o": offset, "f": filters}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    """(offset, filters) of a cursor; ValueError when it is not one of ours."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, filters = payload["o"], payload["f"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("not a cursor of this API") from None
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET \
            or not isinstance(filters, str):
        raise ValueError("not a cursor of this API")
    return offset, filters


def _fingerprint(data):
    other = sorted((key, str(value)) for key, value in data.items() if key not in CONTROL)
    return hashlib.sha256(json.dumps(other).encode()).hexdigest()[:16]


class PageQuerySchema(Schema):
    """Query arguments of a list; subclasses add its filters. Loads as the filters plus `page` (a Page)."""

    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"})
    cursor = fields.String(validate=validate.Length(max=200),
                           metadata={"description": "Opaque position from the previous page's `next` link"})

    @post_load
    def make_page(self, data, **_):
        filters = _fingerprint(data)
        offset = 0
        if "cursor" in data:
            try:
                offset, made_for = decode_cursor(data["cursor"])
            except ValueError as exc:
                raise ValidationError(str(exc), "cursor") from None
            if made_for != filters:
                raise ValidationError("this cursor belongs to a list with other filters; follow `next` as given",
                                      "cursor")
        page = Page(limit=data.pop("limit"), offset=offset, filters=filters)
        data.pop("cursor", None)
        return {**data, "page": page}


_page_schemas = {}


def page_of(item_schema):
    """The response schema of a page of `item_schema` items: one class per item schema, named <Item>Page."""
    item_class = item_schema if isinstance(item_schema, type) else type(item_schema)
    if item_class not in _page_schemas:
        name = item_class.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_class] = type(name, (Schema,), {
            "__doc__": f"A page of a list (core.pagination): up to `limit` {item_class.__name__} items.",
            "items": fields.List(fields.Nested(item_class), required=True),
            "next": fields.String(required=True, allow_none=True,
                                  metadata={"description": "URL of the next page; null on the last page"}),
            "total": fields.Integer(required=True, allow_none=True,
                                    metadata={"description": "Items in the whole list where known without counting; "
                                                             "else null"}),
        })
    return _page_schemas[item_class]
