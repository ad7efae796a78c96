"""Shared set-up of the SMART tests: a patient with an Observation and a Condition, and registered clients."""

REDIRECT = "http://127.0.0.1:9/callback"  # never fetched: the test reads the redirect's Location


def observation(patient_id):
    return {"resourceType": "Observation", "status": "final", "subject": {"reference": f"Patient/{patient_id}"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4", "display": "Heart rate"}]},
            "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"}}


def condition(patient_id):
    return {"resourceType": "Condition", "subject": {"reference": f"Patient/{patient_id}"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}]}}


def patient_with_records(client, accounts, admin_headers):
    """(account, first-party headers) of a patient whose record holds an Observation and a Condition."""
    account, headers = accounts.patient()
    me = client.get("/api/v1/me", headers=headers).get_json()
    for resource in (observation(me["patient_id"]), condition(me["patient_id"])):
        created = client.post(f"/fhir/{resource['resourceType']}", json=resource, headers=admin_headers)
        assert created.status_code == 201, created.get_json()
    return {**account, "patient_id": me["patient_id"]}, headers


def register(client, admin_headers, **body):
    """Register a client through the admin API; return its JSON (client_id, client_secret when confidential)."""
    body.setdefault("name", "Health diary")
    body.setdefault("auth_method", "none")
    body.setdefault("redirect_uris", [REDIRECT])
    answer = client.post("/api/v1/smart/clients", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
