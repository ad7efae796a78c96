"""_count, _sort, _total, _summary=count and keyset cursors (https://hl7.org/fhir/R4/search.html#count)."""
import pytest

from records import store
from records.errors import FhirError
from tests.records.store.builders import ids, patient

pytestmark = pytest.mark.usefixtures("ctx")


def _patients(n, **kwargs):
    return [store.create_resource(patient(family=f"Fam{i:02d}", **kwargs))["id"] for i in range(n)]


def _walk(params, first=None):
    """Follow next cursors; returns every id seen."""
    seen, cursor = [], None
    while True:
        result = store.search("Patient", params + ([("_cursor", cursor)] if cursor else []))
        seen += ids(result)
        if first:
            first()
            first = None
        cursor = result.next_cursor
        if not cursor:
            return seen


def test_count_and_next_cursor_walks_everything_once():
    made = _patients(7)
    result = store.search("Patient", [("_count", "3")])
    assert len(result.resources) == 3 and result.next_cursor and result.prev_cursor is None
    assert result.total == 7
    assert _walk([("_count", "3")]) == made


def test_inserting_between_pages_neither_duplicates_nor_skips():
    made = _patients(6)
    added = []
    seen = _walk([("_count", "2")], first=lambda: added.append(store.create_resource(patient(family="Late"))["id"]))
    assert seen == made + added
    assert len(set(seen)) == len(seen)


def test_inserting_between_pages_with_descending_sort():
    made = _patients(5)
    seen = _walk([("_count", "2"), ("_sort", "-family")],
                 first=lambda: store.create_resource(patient(family="Fam00a")))
    assert seen[:2] == [made[4], made[3]] and len(set(seen)) == 6
    assert seen[-2:] == [next(iter(ids(store.search("Patient", [("family:exact", "Fam00a")])))), made[0]]


def test_previous_cursor_returns_the_previous_page():
    made = _patients(5)
    page1 = store.search("Patient", [("_count", "2")])
    page2 = store.search("Patient", [("_count", "2"), ("_cursor", page1.next_cursor)])
    back = store.search("Patient", [("_count", "2"), ("_cursor", page2.prev_cursor)])
    assert ids(page2) == made[2:4] and ids(back) == made[:2]
    assert back.prev_cursor is None and back.next_cursor


def test_sort_by_several_keys_and_nulls_last():
    a = store.create_resource(patient(family="B", birth="1990-01-01"))["id"]
    b = store.create_resource(patient(family="A", birth="1990-01-01"))["id"]
    c = store.create_resource(patient(family="C", birth="1970-01-01"))["id"]
    d = store.create_resource({"resourceType": "Patient"})["id"]
    assert ids(store.search("Patient", [("_sort", "-birthdate,family")])) == [b, a, c, d]
    assert ids(store.search("Patient", [("_sort", "birthdate"), ("_sort", "-family")])) == [c, a, b, d]
    assert ids(store.search("Patient", [("_sort", "-_lastUpdated")])) == [d, c, b, a]
    assert ids(store.search("Patient", [("_sort", "_id")])) == sorted([a, b, c, d])


def test_sort_by_date_pages_through_cursors():
    made = [store.create_resource(patient(birth=f"19{50 + i}-01-01"))["id"] for i in range(5)]
    assert _walk([("_count", "2"), ("_sort", "-birthdate")]) == made[::-1]


def test_total_modes_and_summary_count():
    _patients(3)
    assert store.search("Patient", [("_total", "none")]).total is None
    assert store.search("Patient", [("_total", "accurate"), ("_count", "1")]).total == 3
    counted = store.search("Patient", [("_summary", "count")])
    assert counted.summary_count_only and counted.total == 3 and counted.resources == []
    assert store.search("Patient", [("_count", "0")]).summary_count_only


def test_count_is_capped_and_validated():
    assert store.search("Patient", [("_count", "100000")]).count == 500
    with pytest.raises(FhirError):
        store.search("Patient", [("_count", "many")])


def test_cursor_for_another_sort_is_refused():
    _patients(3)
    cursor = store.search("Patient", [("_count", "1")]).next_cursor
    with pytest.raises(FhirError) as error:
        store.search("Patient", [("_count", "1"), ("_sort", "family"), ("_cursor", cursor)])
    assert error.value.expression == ["_cursor"]
    with pytest.raises(FhirError):
        store.search("Patient", [("_cursor", "garbage!")])


def test_params_are_echoed_without_the_cursor():
    result = store.search("Patient", [("family", "x"), ("_count", "5"), ("_format", "json")])
    assert result.params == [("family", "x"), ("_count", "5")]


def test_elements_keeps_listed_elements_and_marks_subsetted():
    _patients(1)
    resource = store.search("Patient", [("_elements", "gender")]).resources[0]
    assert set(resource) == {"resourceType", "id", "meta", "gender"}
    assert resource["meta"]["tag"][-1]["code"] == "SUBSETTED"
