"""`flask seed city`: deterministic for a seed, resumable after an interruption without duplicates,
and the generated records are found by FHIR searches (their index rows were written with them)."""
import json
from collections import Counter

from sqlalchemy import func, select

from clinic.directory import Doctor, Institution
from core.extensions import db
from pharmacy.models import Pharmacy, Stock
from records.models import Resource, ResourceVersion
from seeds import city_directory
from seeds.fhir_generator import city_patient_id, patient_history

SEED, PATIENTS = 7, 30


def _city(runner, *extra):
    result = runner.invoke(args=["seed", "city", "--patients", str(PATIENTS), "--seed", str(SEED),
                                 "--pharmacies", "6", *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _stored(prefix="c7-"):
    rows = db.session.execute(select(Resource.resource_type, Resource.id, Resource.content)
                              .where(Resource.id.contains(prefix)))
    return {(t, i): content for t, i, content in rows}


def _visible(content):
    resource = json.loads(content)
    resource.pop("meta", None)
    return resource


def test_a_patient_history_depends_only_on_the_seed_and_the_patient_number():
    one = patient_history(SEED, 12, "doc-a")
    assert one == patient_history(SEED, 12, "doc-a") != patient_history(SEED + 1, 12, "doc-a")
    assert one[0]["id"] == city_patient_id(SEED, 12) == "pat-c7-12"
    kinds = Counter(r["resourceType"] for r in one)
    assert kinds["Patient"] == 1 and kinds["Encounter"] >= 1 and kinds["Observation"] >= 3
    assert all(r["subject"]["reference"] == "Patient/pat-c7-12" for r in one[1:])
    assert city_directory.sizes(1_000_000) == (1000, 2273, 4000)  # a doctor per 440 patients
    small, big = city_directory.doctors(SEED, 22, city_directory.institutions(SEED, 10)), \
        city_directory.doctors(SEED, 45, city_directory.institutions(SEED, 20))
    assert big[:22] == small  # a bigger city keeps the smaller city's doctors as they were
    assert city_directory.sizes(10_000_000, pharmacies=50_000)[2] == 10_000


def test_an_interrupted_city_resumes_to_exact_totals_without_duplicates_and_the_seed_fixes_the_content(app, runner):
    first = _city(runner, "--batch", "10", "--stop-after", "2")
    assert "2 written" in first and "20 patients" in first
    second = _city(runner, "--batch", "7")  # another batch size: patients, not batches, are what is skipped
    assert "10 patients" in second
    again = _city(runner, "--batch", "10")
    assert "0 written, 3 already done" in again
    expected = [r for n in range(PATIENTS) for r in patient_history(SEED, n, "c7-doctor-000000")]
    with app.app_context():
        stored = _stored()
        for resource in expected:  # the same ids and content as the generator gives for this seed, every time
            assert _visible(stored[(resource["resourceType"], resource["id"])]) == resource
        versions = db.session.scalar(select(func.count()).select_from(ResourceVersion).where(
            ResourceVersion.id.contains("c7-"), ResourceVersion.resource_type.not_in(
                ("Organization", "Location", "Practitioner", "PractitionerRole", "Schedule"))))
        assert versions == len(expected)  # one version each: nothing was written twice
        assert db.session.scalar(select(func.count()).select_from(Institution)) == 10
        assert db.session.scalar(select(func.count()).select_from(Doctor)) == 22
        assert db.session.scalar(select(func.count()).select_from(Pharmacy)) == 6
        assert db.session.scalar(select(func.count()).select_from(Stock)) == 6 * 14


def test_generated_records_are_found_by_fhir_searches(app, runner, client, accounts):
    _city(runner)
    _, admin = accounts.admin()
    history = patient_history(SEED, 3, city_directory.practitioner_of(SEED, 3))
    observation = next(r for r in history if r["resourceType"] == "Observation")
    code = observation["code"]["coding"][0]["code"]
    found = client.get(f"/fhir/Observation?patient=pat-c7-3&code=http://loinc.org|{code}", headers=admin).get_json()
    expected = {r["id"] for r in history if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == code}
    assert {e["resource"]["id"] for e in found["entry"]} == expected
    family = history[0]["name"][0]["family"]
    patients = client.get("/fhir/Patient", query_string={"family": family, "_count": 100}, headers=admin).get_json()
    assert "pat-c7-3" in {e["resource"]["id"] for e in patients["entry"]}
    everything = client.get("/fhir/Patient/pat-c7-3/$everything?_count=100", headers=admin).get_json()
    assert {r["id"] for r in history} <= {e["resource"]["id"] for e in everything["entry"]}
