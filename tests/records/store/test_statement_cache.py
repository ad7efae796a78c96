"""Search statements cached per shape (records/search/statements.py): the same answers as statements built
afresh for every search, never one shape's statement for another, never one request's values in another's."""
import random
import threading

import pytest
from sqlalchemy import text

from core.extensions import db
from records import store
from records.search import includes, statements
from tests.records.store.builders import LOINC, ids, observation, patient

pytestmark = pytest.mark.usefixtures("ctx")


def _world():
    """Patients of three families with observations of two codes, values and dates."""
    made = {}
    for n, (family, birth, gender) in enumerate([("Li", "1980-05-17", "male"), ("Li", "1972-01-02", "female"),
                                                 ("Wang", "1990-07-07", "female"), ("Zhang", "1965-03-04", "male"),
                                                 ("Wangler", "1980-05-18", "male")]):
        pid = store.create_resource(patient(family=family, birth=birth, gender=gender))["id"]
        made.setdefault(family, []).append(pid)
        for k, code in enumerate(("8867-4", "8480-6")):
            store.create_resource(observation(pid, code=code, value=60 + 5 * n + k,
                                              when=f"20{18 + n}-0{k + 1}-02T10:00:00Z"))
    no_system = observation(made["Zhang"][0], code="8867-4")
    no_system["code"]["coding"] = [{"code": "8867-4"}]
    store.create_resource(no_system)
    return made


def _queries(made):
    li, wang, zhang = made["Li"][0], made["Wang"][0], made["Zhang"][0]
    return [
        ("Patient", [("family", "Li")]), ("Patient", [("family", "Wang")]), ("Patient", [("family", "zh")]),
        ("Patient", [("family:exact", "Wang")]), ("Patient", [("family:contains", "ang")]),
        ("Patient", [("family:contains", "%")]), ("Patient", [("name", "li,zhang")]),
        ("Patient", [("gender", "male")]), ("Patient", [("gender", "female"), ("family", "Li")]),
        ("Patient", [("birthdate", "ge1980")]), ("Patient", [("birthdate", "lt1975")]),
        ("Patient", [("birthdate", "1980-05-17")]), ("Patient", [("birthdate", "ap1980-05-17")]),
        ("Patient", [("birthdate", "sa1970"), ("birthdate", "eb1985")]),
        ("Patient", [("_id", li)]), ("Patient", [("_id", f"{wang},{zhang}")]), ("Patient", [("_id:not", li)]),
        ("Patient", [("family:missing", "false")]), ("Patient", [("family:missing", "true")]),
        ("Patient", [("_lastUpdated", "gt2000")]), ("Patient", [("_lastUpdated", "lt2000")]),
        ("Patient", [("_sort", "family"), ("_count", "2")]), ("Patient", [("_sort", "-birthdate"), ("_count", "2")]),
        ("Patient", [("_total", "accurate"), ("_count", "1")]), ("Patient", [("_total", "none"), ("_count", "1")]),
        ("Patient", [("_summary", "count"), ("gender", "male")]), ("Patient", [("_count", "0")]),
        ("Observation", [("code", "8867-4")]), ("Observation", [("code", f"{LOINC}|8480-6")]),
        ("Observation", [("code", "|8867-4")]), ("Observation", [("code", f"{LOINC}|")]),
        ("Observation", [("code:not", "8867-4")]), ("Observation", [("code:text", "heart")]),
        ("Observation", [("subject", f"Patient/{li}")]), ("Observation", [("subject", wang)]),
        ("Observation", [("patient", zhang), ("code", f"{LOINC}|8867-4")]),
        ("Observation", [("subject:Patient.family", "Li"), ("code", "8480-6")]),
        ("Observation", [("subject:Patient.family", "Wang")]),
        ("Observation", [("value-quantity", "gt70")]), ("Observation", [("value-quantity", "le66")]),
        ("Observation", [("value-quantity", "72|http://unitsofmeasure.org|/min")]),
        ("Observation", [("value-quantity", "ap70")]), ("Observation", [("value-quantity", "ne60")]),
        ("Observation", [("date", "ge2020-01-01"), ("date", "lt2021")]),
        ("Observation", [("date", "2019"), ("_sort", "-date")]),
        ("Observation", [("code", "8867-4"), ("_include", "Observation:subject")]),
    ]


def _answer(resource_type, params, patient_ids=None):
    """Every page's ids (following next cursors), the total and the included ids."""
    result = store.search(resource_type, params, patient_ids=patient_ids)
    pages, included = [ids(result)], [r["id"] for r in result.included]
    total, cursor = result.total, result.next_cursor
    while cursor:
        result = store.search(resource_type, params + [("_cursor", cursor)], patient_ids=patient_ids)
        pages.append(ids(result))
        cursor = result.next_cursor
    if result.prev_cursor:  # and one page back
        back = store.search(resource_type, params + [("_cursor", result.prev_cursor)], patient_ids=patient_ids)
        pages.append(ids(back))
    return pages, total, included


def test_cached_statements_answer_as_statements_built_afresh():
    made = _world()
    queries = _queries(made)
    fresh = {}
    for n, (resource_type, params) in enumerate(queries):
        statements.for_shape.cache_clear()
        fresh[n] = _answer(resource_type, params)
    assert fresh[0][0] == [made["Li"]] and fresh[1][0] == [made["Wang"] + made["Wangler"]]  # the oracle itself is sane
    order = list(range(len(queries))) * 2
    random.Random(7).shuffle(order)  # neighbours of one shape and different values, in every order
    for n in order:
        assert _answer(*queries[n]) == fresh[n], queries[n]


def test_one_statement_per_shape_and_the_values_of_each_request():
    made = _world()
    statements.for_shape.cache_clear()
    assert ids(store.search("Patient", [("family", "Li")])) == made["Li"]
    before = statements.for_shape.cache_info()
    assert ids(store.search("Patient", [("family", "Wang")])) == made["Wang"] + made["Wangler"]
    assert ids(store.search("Patient", [("family", "Zhang")])) == made["Zhang"]
    after = statements.for_shape.cache_info()
    assert (after.hits - before.hits, after.currsize) == (2, 1)


@pytest.mark.parametrize("values", [
    ["8867-4", f"{LOINC}|8867-4", "|8867-4", f"{LOINC}|"],  # token forms
    ["gt70", "lt70", "ap70", "70", "ne70", "70|http://unitsofmeasure.org|mmHg"],  # quantity prefixes and units
])
def test_each_form_of_a_value_has_its_own_statement(values):
    _world()
    statements.for_shape.cache_clear()
    name = "code" if "8867-4" in values[0] else "value-quantity"
    answers = [ids(store.search("Observation", [(name, v)])) for v in values]
    assert statements.for_shape.cache_info().currsize == len(values)
    assert len({tuple(a) for a in answers}) == len(values)  # every form selects differently here


def test_patient_scope_is_bound_per_request():
    made = _world()
    li, wang = made["Li"][0], made["Wang"][0]
    obs = {pid: ids(store.search("Observation", [("subject", pid)])) for pid in (li, wang)}
    for scope, expected in (({li}, obs[li]), ({wang}, obs[wang]), ({li, wang}, sorted(obs[li] + obs[wang])),
                            (set(), []), ({li}, obs[li])):
        found = ids(store.search("Observation", [("code:not", "none")], patient_ids=scope))
        assert sorted(found) == sorted(expected), scope
        patients = ids(store.search("Patient", [("family", "Li")], patient_ids=scope))
        assert patients == [p for p in made["Li"] if p in scope], scope


def test_concurrent_searches_of_one_shape_keep_their_own_values(app):
    made = _world()
    db.session.commit()  # the threads read through their own connections
    families = {"Li": made["Li"], "Zhang": made["Zhang"], "Wangler": made["Wangler"]}
    statements.for_shape.cache_clear()
    start, wrong, done = threading.Barrier(3), [], []

    def client(family):
        with app.app_context():
            try:
                start.wait(5)
                for _ in range(30):
                    found = ids(store.search("Patient", [("family:exact", family)]))
                    if found != families[family]:
                        wrong.append((family, found))
                    db.session.rollback()
                done.append(family)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=client, args=(f,)) for f in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(done) == sorted(families) and wrong == []
    assert statements.for_shape.cache_info().currsize == 1


def test_include_statements_bind_the_page_and_the_patient_scope_per_request():
    made = _world()
    first, second = made["Li"]
    page = [store.read_resource("Patient", pid) for pid in (first, second)]
    observations = {pid: sorted(ids(store.search("Observation", [("subject", pid)]))) for pid in (first, second)}
    control = {"_revinclude": ["Observation:subject"]}
    for scope, expected in (({first}, observations[first]), ({second}, observations[second]), (set(), []),
                            (None, sorted(observations[first] + observations[second])),
                            ({first}, observations[first])):
        found = includes.resolve("Patient", page, control, scope, [])
        assert sorted(r["id"] for r in found) == expected, scope
    only_second = includes.resolve("Patient", page[1:], control, None, [])
    assert sorted(r["id"] for r in only_second) == observations[second]


def test_postgresql_plans_each_search_for_its_values(app):
    """No server-side prepared statements: PostgreSQL's generic plan for a search shape ignores how many
    rows the values match (psycopg prepares a statement it has run prepare_threshold times)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements and generic plans are PostgreSQL's")
    made = _world()
    for _ in range(3):
        for family in ("Li", "Wang", "Zhang"):
            store.search("Observation", [("subject:Patient.family", family), ("code", f"{LOINC}|8867-4")])
            store.search("Patient", [("family", family)])
    assert made and db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0
