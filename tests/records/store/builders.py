"""Small FHIR resource builders for the store tests."""
LOINC = "http://loinc.org"


def patient(family="Li", given=("Wei",), birth="1980-05-17", gender="male", **extra):
    return {"resourceType": "Patient", "name": [{"family": family, "given": list(given)}],
            "birthDate": birth, "gender": gender, **extra}


def observation(patient_id, code="8867-4", when="2020-01-02T10:00:00Z", value=72, unit="/min", **extra):
    resource = {"resourceType": "Observation", "status": "final",
                "code": {"coding": [{"system": LOINC, "code": code}], "text": "Heart rate"},
                "subject": {"reference": f"Patient/{patient_id}"}, "effectiveDateTime": when,
                "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}
    resource.update(extra)
    return resource


def ids(result):
    """The ids of a SearchResult's matches, in order."""
    return [r["id"] for r in result.resources]
