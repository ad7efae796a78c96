"""The plan shapes of searches at city scale (records/search/chains.py, criteria.py probes, statements._driver):
each answers exactly what the other shapes answer, and PostgreSQL runs them as planned."""
import pytest
from sqlalchemy import text

from core.extensions import db
from records import store
from records.search import chains, statements
from records.search.binds import analyse
from records.search.parse import parse_criterion
from tests.records.store.builders import LOINC, ids, observation, patient

pytestmark = pytest.mark.usefixtures("ctx")

CHAINED = [
    [("subject:Patient.family", "Li"), ("code", "8480-6")],
    [("subject:Patient.family", "Li"), ("code", f"{LOINC}|8867-4"), ("_count", "1")],
    [("code", "8867-4"), ("subject:Patient.family", "wa"), ("_count", "2")],
    [("subject:Patient.family", "Wang")],
    [("subject:Patient.family", "Wang"), ("_count", "1")],
    [("patient:Patient.gender", "male"), ("code", "8480-6"), ("_count", "2")],
    [("subject:Patient.birthdate", "ge1980"), ("code", "8867-4")],
    [("subject:Patient.family", "Nobody"), ("code", "8867-4")],
    [("subject:Patient.family", "Li"), ("code", "8867-4"), ("_sort", "-date")],
]


def _world():
    made = {}
    for n, (family, birth, gender) in enumerate([("Li", "1980-05-17", "male"), ("Wang", "1990-07-07", "female"),
                                                 ("Li", "1972-01-02", "female"), ("Zhang", "1965-03-04", "male"),
                                                 ("Wangler", "1980-05-18", "male"), ("Li", "1999-09-09", "male")]):
        pid = store.create_resource(patient(family=family, birth=birth, gender=gender))["id"]
        made.setdefault(family, []).append(pid)
        for k in range(3):
            code = ("8867-4", "8480-6")[(n + k) % 2]
            store.create_resource(observation(pid, code=code, value=60 + n + k, when=f"20{10 + n}-0{k + 1}-02T10:00:00Z"))
    return made


def _pages(resource_type, params):
    """Every page's ids, following next cursors, then one page back; and the first page's total."""
    result = store.search(resource_type, params)
    pages, total, cursor = [ids(result)], result.total, result.next_cursor
    while cursor:
        result = store.search(resource_type, params + [("_cursor", cursor)])
        pages.append(ids(result))
        cursor = result.next_cursor
    if result.prev_cursor:
        pages.append(ids(store.search(resource_type, params + [("_cursor", result.prev_cursor)])))
    return pages, total


def test_a_chain_tested_row_by_row_finds_what_resolving_its_targets_first_finds(monkeypatch):
    _world()
    few = {n: _pages("Observation", params) for n, params in enumerate(CHAINED)}
    assert few[0][0] and few[3][0][0] and few[7][0] == [[]]  # the oracle finds something (and nothing for Nobody)
    monkeypatch.setattr(chains, "MANY_TARGETS", 0)  # every chain now has "many" targets
    for n, params in enumerate(CHAINED):
        pages, total = _pages("Observation", params)
        assert pages == few[n][0], params
        sorted_search = any(name == "_sort" for name, _ in params)
        has_driver = any(name == "code" for name, _ in params)
        no_target = ("subject:Patient.family", "Nobody") in params  # 0 targets are never "many"
        # Tested row by row, the default total is left out; a sort or no index driver keeps the old way.
        assert total == (few[n][1] if sorted_search or not has_driver or no_target else None), params


def test_a_chain_with_many_targets_counts_on_request(monkeypatch):
    _world()
    params = [("subject:Patient.family", "Li"), ("code", "8867-4")]
    expected = store.search("Observation", params + [("_total", "accurate")]).total
    monkeypatch.setattr(chains, "MANY_TARGETS", 0)
    assert expected > 0 and store.search("Observation", params + [("_total", "accurate")]).total == expected
    assert store.search("Observation", params + [("_summary", "count")]).total == expected


def test_the_count_that_decides_stops_past_the_cut_off(monkeypatch):
    made = _world()
    shapes, values = _shapes("Observation", [("subject:Patient.family", "Li"), ("code", "8867-4")])
    assert len(made["Li"]) == 3
    monkeypatch.setattr(chains, "MANY_TARGETS", 3)
    assert chains.targets_are_many("Observation", shapes, values, []) is False  # 3 targets: not more than 3
    monkeypatch.setattr(chains, "MANY_TARGETS", 2)
    chains._count.cache_clear()  # the statement bakes the cut-off in
    assert chains.targets_are_many("Observation", shapes, values, []) is True
    chains._count.cache_clear()
    lone, lone_values = _shapes("Observation", [("subject:Patient.family", "Li")])  # no index to drive by
    assert chains.targets_are_many("Observation", lone, lone_values, []) is False


def test_the_query_order_of_the_criteria_changes_no_answer():
    made = _world()
    for pid in made["Li"] + made["Wang"]:
        for code in ("8867-4", f"{LOINC}|8480-6"):
            forward = _pages("Observation", [("subject", f"Patient/{pid}"), ("code", code), ("_count", "1")])
            backward = _pages("Observation", [("code", code), ("subject", f"Patient/{pid}"), ("_count", "1")])
            assert forward == backward and forward[0][0], (pid, code)


def _shapes(resource_type, params):
    values = {}
    crits = [parse_criterion(resource_type, name, value, []) for name, value in params]
    return tuple(analyse(c, f"c{i}_", values) for i, c in enumerate(crits)), values


def _plan(resource_type, params, **shape):
    """EXPLAIN of the page statement; scans of a whole table are ruled out so that a handful of rows plan
    as millions do (the shape is what is checked: which index drives, what is probed per row)."""
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_bitmapscan = off"))
    shapes, values = _shapes(resource_type, params)
    page = statements.for_shape(statements.SearchShape(resource_type, shapes, **shape)).page
    compiled = page.compile(db.engine, compile_kwargs={"render_postcompile": True})
    lines = db.session.connection().exec_driver_sql("EXPLAIN " + str(compiled),
                                                    compiled.construct_params({**values, "limit": 21})).scalars()
    return "\n".join(lines)


def test_postgresql_probes_each_row_of_a_patients_range_instead_of_merging_a_code_range():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    made = _world()
    db.session.execute(text("ANALYZE"))
    for params in ([("subject", f"Patient/{made['Li'][0]}"), ("code", f"{LOINC}|8867-4")],
                   [("code", f"{LOINC}|8867-4"), ("subject", f"Patient/{made['Li'][0]}")]):
        plan = _plan("Observation", params)
        first_scan = next(line for line in plan.splitlines() if " Scan " in line)
        assert "on fhir_idx_reference" in first_scan and "SubPlan" in plan, plan
        joins = [line for line in plan.splitlines() if "Cond:" in line and ("Merge" in line or "Hash" in line)]
        assert not [line for line in joins if "fhir_idx_token" in line], plan  # the code is probed, never joined


def test_postgresql_walks_the_code_range_and_tests_each_rows_own_target_when_targets_are_many():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    _world()
    db.session.execute(text("ANALYZE"))
    plan = _plan("Observation", [("subject:Patient.family", "Li"), ("code", f"{LOINC}|8867-4")],
                 total="none", chain_probe=True)
    first_scan = next(line for line in plan.splitlines() if " Scan " in line)
    assert "on fhir_idx_token" in first_scan and "SubPlan" in plan, plan
    probe = plan.split("SubPlan", 1)[1]
    assert "uq_fhir_resources_resource_type_id" in probe and "HashAggregate" not in plan, plan  # its own target
