"""`flask seed demo` at Ningbo scale: the directory's counts and spread, pharmacies and stock, slots seen
through /fhir, referrals to family-doctor teams, and a second run that changes no row and no resource."""
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from clinic.directory import Doctor, DoctorInstitution, FamilyDoctorBinding, Institution
from clinic.scheduling import Slot
from core import clock
from core.extensions import db
from pharmacy import catalogue
from pharmacy.models import Pharmacy, PharmacyHours, Stock
from seeds import demo, ningbo
from seeds.ningbo_places import DISTRICTS

BOXES = {en: (lat, lon, dlat, dlon) for _, _, en, (lat, lon), (dlat, dlon), _, _ in DISTRICTS}


def _row_counts():
    """Rows of every table but the audit trail (a re-run's reads are audited, as they should be)."""
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                for t in db.metadata.sorted_tables if t.name != "audit_entries"}


def test_the_generated_directory_is_the_same_on_every_call():
    assert ningbo.institutions(demo.DEMO_INSTITUTIONS) == ningbo.institutions(demo.DEMO_INSTITUTIONS)
    assert demo.directory_lists() == demo.directory_lists()
    names = [d["name"] for d in demo.directory_lists()[1]]
    assert len(names) == ningbo.DOCTORS and names[0] == "王医生 Dr Wang"


def test_seed_demo_builds_ningbo_and_a_second_run_changes_no_row_or_resource(app, runner):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        before = _row_counts()
    second = runner.invoke(args=["seed", "demo"])
    assert "(0 new records)" in second.output, second.output
    with app.app_context():
        assert _row_counts() == before
        assert before["fhir_resources"] > before["slots"] > 3000
        primary = db.session.scalars(select(Institution).where(Institution.kind == "primary")).all()
        assert len(primary) == 100
        per_district = Counter(i.district for i in primary)
        assert set(per_district) == set(BOXES) and min(per_district.values()) >= 7
        for inst in primary:
            lat, lon, dlat, dlon = BOXES[inst.district]
            assert abs(inst.latitude - lat) <= dlat and abs(inst.longitude - lon) <= dlon, inst.name
            assert inst.timezone == "Asia/Shanghai"
        doctors = db.session.scalars(select(Doctor)).all()
        family = [d for d in doctors if d.is_family_doctor]
        assert len(doctors) == 226 and 0.30 <= len(family) / len(doctors) <= 0.36
        assert all(d.title and d.specialties for d in doctors)
        kinds = dict(db.session.execute(select(Institution.id, Institution.kind)).all())
        assert all(any(kinds[i] == "primary" for i in d.institution_ids) for d in family)
        teams = db.session.scalar(select(func.count(func.distinct(DoctorInstitution.institution_id))).where(
            DoctorInstitution.doctor_id.in_([d.id for d in family])))
        assert teams >= 70  # family-doctor teams at most primary institutions
    _assert_pharmacies_with_hours_and_stock(app)


def _assert_pharmacies_with_hours_and_stock(app):
    """The four cooperating pharmacies keep hours and chronic-disease stock; some restricted drugs are stocked."""
    with app.app_context():
        routable = db.session.scalars(select(Pharmacy.id).where(Pharmacy.routable.is_(True))).all()
        assert len(routable) == 4
        for pharmacy_id in routable:
            codes = set(db.session.scalars(select(Stock.code).where(Stock.pharmacy_id == pharmacy_id,
                                                                    Stock.on_hand > 0)))
            assert {"C08CA01", "A10BA02", "C10AA05"} <= codes  # amlodipine, metformin, atorvastatin
            assert db.session.scalar(select(func.count()).select_from(PharmacyHours).where(
                PharmacyHours.pharmacy_id == pharmacy_id)) >= 7
        restricted = [c for c in db.session.scalars(select(Stock.code).distinct()) if catalogue.restricted_class(c)]
        assert len(restricted) >= 2


def test_slots_are_searchable_through_fhir_and_the_ineligible_patient_is_referred_to_a_family_doctor_team(
        app, runner, client, accounts):
    runner.invoke(args=["seed", "demo"])
    patient = accounts.login("13800000003", "patient123")
    with app.app_context():
        kinds = Counter(db.session.scalars(select(Slot.kind)))
        last = db.session.scalar(select(func.max(Slot.starts_at)))
        wang = db.session.scalar(select(Doctor.id).where(Doctor.practitioner_id == "demo-practitioner-1"))
        link = db.session.scalar(select(DoctorInstitution.id).where(DoctorInstitution.doctor_id == wang))
        assert db.session.scalar(select(func.count()).select_from(Slot).where(Slot.doctor_id == wang)) > 50
    assert kinds["online"] > 300 and kinds["in_person"] > 2000
    assert last > clock.now() + timedelta(days=12)
    found = client.get(f"/fhir/Slot?schedule=Schedule/schedule-{link}&status=free&_total=accurate", headers=patient)
    assert found.status_code == 200, found.get_json()
    bundle = found.get_json()
    assert bundle["total"] > 10 and all(e["resource"]["status"] == "free" for e in bundle["entry"])
    total = client.get("/fhir/Slot?_summary=count", headers=patient).get_json()
    assert total["total"] == sum(kinds.values())

    answer = client.post("/api/v1/eligibility", headers=patient,
                         json={"checkpoint": "book_online", "complaint_code": "I10"}).get_json()
    assert answer["decision"] == "refer_offline", answer
    family = answer["referral"]["family_doctor"]
    assert "家庭医生团队" in family["team"] and family["institution_ids"]
    assert client.get("/api/v1/family-doctor", headers=patient).get_json()["doctor_id"] == family["doctor_id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FamilyDoctorBinding)) == 3
    zhang = accounts.login("13800000001", "patient123")
    systolic = client.get("/fhir/Observation?code=http://loinc.org|8480-6", headers=zhang).get_json()
    assert [e["resource"]["valueQuantity"]["value"] for e in systolic["entry"]] == [158]
