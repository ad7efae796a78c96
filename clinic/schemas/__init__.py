"""marshmallow schemas of the clinic API (bodies, queries and responses)."""
