"""The request files bench/wrk/replay.lua replays: one request per line (method, path, token, content type,
body), deterministic for a seed. Each gunicorn process gets its own file (its own share of the clients)."""
import json
import random
import uuid
from urllib.parse import quote

from seeds import fhir_generator

FHIR_JSON = "application/fhir+json"
LOINC = "http://loinc.org"
VITAL_CODES = [code for code, *_ in fhir_generator.VITALS]
SEARCHES = ("search_family", "search_obs", "search_include", "search_chain")


def _line(method, path, token="", content_type="", body=None):
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
    return "\t".join((method, path, token, content_type if body is not None else "", text))


def _q(value):
    return quote(value, safe="")


def fhir_lines(kind, seeded, rng, count):
    """`count` request lines of one FHIR (or ceiling) phase, with tokens taken round-robin."""
    tokens, ids, families = seeded["admin_tokens"], seeded["patient_ids"], seeded["families"]
    lines = []
    for n in range(count):
        token, pid = tokens[n % len(tokens)], rng.choice(ids)
        code = f"{LOINC}|{rng.choice(VITAL_CODES)}"
        if kind == "ceiling":
            lines.append(_line("GET", f"/fhir/Patient/{pid}"))
        elif kind == "read":
            lines.append(_line("GET", f"/fhir/Patient/{pid}", token))
        elif kind == "search_family":
            lines.append(_line("GET", f"/fhir/Patient?family={_q(rng.choice(families))}", token))
        elif kind == "search_obs":
            lines.append(_line("GET", f"/fhir/Observation?subject=Patient/{pid}&code={_q(code)}", token))
        elif kind == "search_include":
            lines.append(_line("GET", f"/fhir/Observation?subject=Patient/{pid}&code={_q(code)}"
                                      "&_include=Observation:subject", token))
        elif kind == "search_chain":
            lines.append(_line("GET", f"/fhir/Observation?subject:Patient.family={_q(rng.choice(families))}"
                                      f"&code={_q(code)}", token))
        elif kind == "create":
            lines.append(_line("POST", "/fhir/Patient", token, FHIR_JSON, _new_patient(rng, n)))
        elif kind == "transaction":
            lines.append(_line("POST", "/fhir", token, FHIR_JSON, transaction_bundle(rng)))
        else:
            raise ValueError(kind)
    return lines


def _new_patient(rng, n):
    # A family no search of the bench asks for: created patients leave the searches' answers as they were.
    family, given = "Benchmark", rng.choice(fhir_generator.GIVENS)
    return {"resourceType": "Patient", "active": True, "name": [{"family": family, "given": [given]}],
            "gender": rng.choice(["male", "female"]),
            "birthDate": f"{rng.randrange(1940, 2010)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 10)}",
            "identifier": [{"system": "urn:cloud-hospital:http-bench", "value": f"{rng.randrange(10**12)}-{n}"}]}


def transaction_bundle(rng, patients=100):
    """A transaction of `patients` new Patients and one Observation each, referenced by `urn:uuid:`."""
    entries = []
    for n in range(patients):
        patient_url = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        obs_url = f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        code, display, unit, mean, spread = rng.choice(fhir_generator.VITALS)
        entries.append({"fullUrl": patient_url, "request": {"method": "POST", "url": "Patient"},
                        "resource": _new_patient(rng, n)})
        entries.append({"fullUrl": obs_url, "request": {"method": "POST", "url": "Observation"},
                        "resource": {"resourceType": "Observation", "status": "final",
                                     "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
                                     "subject": {"reference": patient_url},
                                     "effectiveDateTime": "2024-05-01T08:30:00Z",
                                     "valueQuantity": {"value": round(rng.gauss(mean, spread), 1), "unit": unit,
                                                       "system": "http://unitsofmeasure.org", "code": unit}}})
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def booking_lines(world):
    """One booking per slot, patients interleaved (consecutive requests come from different patients)."""
    longest = max((len(lane) for _, lane in world), default=0)
    return [_line("POST", "/api/v1/appointments", token, "application/json",
                  {"slot_id": lane[k], "kind": "in_person", "channel": "app"})
            for k in range(longest) for token, lane in world if k < len(lane)]
