"""Compliance tests build prescription chains with pharmacy's test world (a fixed consultation resolver)."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.pharmacy.conftest import consultations, notes, world  # noqa: F401  (fixtures)


@pytest.fixture()
def regulator(accounts):
    """Bearer headers of a regulator account."""
    return accounts.staff("regulator", "regulator1")[1]


def read_feed(client, headers, cursor=None, limit=100):
    """One page of the feed (asserting 200)."""
    query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    r = client.get("/api/v1/supervision/feed", query_string=query, headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def next_cursor(page):
    """The cursor to resume from, as the page's `next` link carries it."""
    return parse_qs(urlsplit(page["next"]).query)["cursor"][0]


def whole_feed(client, headers):
    """Every entry of the feed, following cursors."""
    entries, cursor = [], None
    while True:
        page = read_feed(client, headers, cursor, limit=3)
        if not page["items"]:
            return entries
        entries += page["items"]
        cursor = next_cursor(page)
