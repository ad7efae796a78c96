"""Deterministic synthetic FHIR R4 data: patients with encounters, vital-sign observations (LOINC),
conditions (ICD-10) and medication requests. The same seed always yields the same resources.

Used by bench/records_*.py and for demo data; ids are stable ("pat-<seed>-<n>") so references work
before anything is stored.
"""
import random
from datetime import datetime, timedelta, timezone

FAMILIES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
            "林", "罗", "高", "Wang", "Li", "Zhang", "Müller", "García", "Nguyễn", "Smith", "O'Brien"]
GIVENS = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
          "秀英", "霞", "平", "Wei", "Fang", "Jing", "Élodie", "José", "Anh", "John", "Siobhán"]
VITALS = [  # LOINC code, display, unit, mean, spread
    ("8867-4", "Heart rate", "/min", 75, 12), ("8480-6", "Systolic blood pressure", "mm[Hg]", 125, 15),
    ("8462-4", "Diastolic blood pressure", "mm[Hg]", 80, 10), ("8310-5", "Body temperature", "Cel", 36.8, 0.4),
    ("29463-7", "Body weight", "kg", 68, 12), ("9279-1", "Respiratory rate", "/min", 16, 3),
    ("59408-5", "Oxygen saturation", "%", 97, 1.5),
]
ICD10 = [("I10", "Essential hypertension"), ("E11.9", "Type 2 diabetes mellitus"),
         ("J06.9", "Acute upper respiratory infection"),
         ("K21.9", "Gastro-oesophageal reflux disease"), ("M54.5", "Low back pain"), ("J45.9", "Asthma"),
         ("E78.5", "Hyperlipidaemia"), ("F41.1", "Generalized anxiety disorder")]
DRUGS = [("314076", "lisinopril 10 MG Oral Tablet"), ("860975", "metformin 500 MG Oral Tablet"),
         ("617314", "atorvastatin 10 MG Oral Tablet"), ("197361", "amlodipine 5 MG Oral Tablet"),
         ("308182", "amoxicillin 500 MG Oral Capsule"), ("745679", "albuterol inhaler")]
EPOCH = datetime(2015, 1, 1, tzinfo=timezone.utc)
LOINC, ICD = "http://loinc.org", "http://hl7.org/fhir/sid/icd-10"
RXNORM, UCUM = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://unitsofmeasure.org"


def _instant(moment):
    return moment.isoformat().replace("+00:00", "Z")


def patient_ids(seed, patients):
    """The ids generate() gives its patients (for choosing search targets)."""
    return [f"pat-{seed}-{n}" for n in range(patients)]


def _patient(rng, pid, n):
    family, given = rng.choice(FAMILIES), rng.choice(GIVENS)
    born = datetime(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 70))
    return {"resourceType": "Patient", "id": pid,
            "identifier": [{"system": "urn:oid:2.16.156.10011.1.1", "value": f"{330000000000 + n}"}],
            "name": [{"family": family, "given": [given], "text": f"{family}{given}"}],
            "gender": rng.choice(["male", "female"]), "birthDate": born.date().isoformat(),
            "telecom": [{"system": "phone", "value": f"139{n:08d}"}]}


def _encounter(rng, eid, pid, start):
    return {"resourceType": "Encounter", "id": eid, "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR", "display": "virtual"},
            "subject": {"reference": f"Patient/{pid}"},
            "period": {"start": _instant(start), "end": _instant(start + timedelta(minutes=rng.randrange(10, 40)))}}


def _observation(rng, oid, pid, eid, when):
    code, display, unit, mean, spread = rng.choice(VITALS)
    return {"resourceType": "Observation", "id": oid, "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
            "subject": {"reference": f"Patient/{pid}"}, "encounter": {"reference": f"Encounter/{eid}"},
            "effectiveDateTime": _instant(when),
            "valueQuantity": {"value": round(rng.gauss(mean, spread), 1), "unit": unit, "system": UCUM, "code": unit}}


def _condition(rng, cid, pid, eid, when):
    code, display = rng.choice(ICD10)
    return {"resourceType": "Condition", "id": cid,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": rng.choice(["active", "active", "resolved"])}]},
            "code": {"coding": [{"system": ICD, "code": code, "display": display}], "text": display},
            "subject": {"reference": f"Patient/{pid}"}, "encounter": {"reference": f"Encounter/{eid}"},
            "onsetDateTime": _instant(when)}


def _medication_request(rng, mid, pid, eid, when):
    code, display = rng.choice(DRUGS)
    return {"resourceType": "MedicationRequest", "id": mid,
            "status": rng.choice(["active", "completed", "completed", "stopped"]), "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{pid}"}, "encounter": {"reference": f"Encounter/{eid}"},
            "authoredOn": _instant(when)}


def _records(rng, pid, tag):
    """A patient's 1-3 encounters, each with vital signs, maybe a condition and medication requests."""
    for e in range(rng.randint(1, 3)):
        start = EPOCH + timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 10))
        eid = f"enc-{tag}-{e}"
        yield _encounter(rng, eid, pid, start)
        for o in range(rng.randint(3, 7)):
            yield _observation(rng, f"obs-{tag}-{e}-{o}", pid, eid, start + timedelta(minutes=o))
        if rng.random() < 0.6:
            yield _condition(rng, f"con-{tag}-{e}", pid, eid, start)
        for m in range(rng.randint(0, 2)):
            yield _medication_request(rng, f"med-{tag}-{e}-{m}", pid, eid, start)


def generate(seed=1, resources=10_000):
    """Yield about `resources` resources (~20 per patient), a Patient always before its records."""
    rng = random.Random(seed)
    made, n = 0, 0
    while made < resources:
        pid = f"pat-{seed}-{n}"
        yield _patient(rng, pid, n)
        made += 1
        for resource in _records(rng, pid, f"{seed}-{n}"):
            yield resource
            made += 1
        n += 1


def city_patient_id(seed, n):
    """The id patient_history(seed, n) gives its Patient."""
    return f"pat-c{seed}-{n}"


def patient_history(seed, n, practitioner=None):
    """Patient number `n` of the city seed `seed` and their records (Patient first), seen by
    `practitioner` (a Practitioner id). Each patient has its own random stream, so any patient - any
    batch - is (re)generated alone and always the same: what lets `flask seed city` resume."""
    rng = random.Random(f"city-{seed}-{n}")
    pid = city_patient_id(seed, n)
    resources = [_patient(rng, pid, n), *_records(rng, pid, f"c{seed}-{n}")]
    for resource in resources:
        if practitioner and resource["resourceType"] == "Encounter":
            resource["participant"] = [{"individual": {"reference": f"Practitioner/{practitioner}"}}]
    return resources
