"""Every official FHIR R4 example (hl7.fhir.r4.examples 4.0.1, from npm) of every type /fhir serves loads by PUT
with its own id, and reads back as sent. `data/r4_examples.json.gz` holds them (416 resources of 44 types,
[{"file", "resource"}]: `npm pack hl7.fhir.r4.examples`, then keep the files whose resourceType /fhir serves).

The one refused is invalid R4: Questionnaire-qs1 has nested items without the required `linkId`
(Questionnaire.item.linkId is 1..1), which the R4B model rejects as the spec does."""
import gzip
import json
from pathlib import Path

from tests.records.fhir.conftest import auth

EXAMPLES = Path(__file__).parent / "data" / "r4_examples.json.gz"
INVALID = {"Questionnaire-qs1.json": "linkId: Value for the field 'linkId' is required"}


def _examples():
    with gzip.open(EXAMPLES, "rt", encoding="utf-8") as stream:
        return json.load(stream)


def test_every_official_example_of_a_served_type_loads_with_its_own_id(client, cast):
    served = {res["type"] for res in client.get("/fhir/metadata").get_json()["rest"][0]["resource"]} - {"AuditEvent"}
    examples = _examples()
    assert {e["resource"]["resourceType"] for e in examples} == served  # every served type has examples here
    refused = {}
    for example in examples:
        resource = example["resource"]
        url = f"/fhir/{resource['resourceType']}/{resource['id']}"
        response = client.put(url, json=resource, headers=auth(cast.admin))
        if response.status_code not in (200, 201):
            refused[example["file"]] = response.get_json()["issue"][0]["diagnostics"]
            continue
        stored = client.get(url, headers=cast.admin).get_json()
        stored.pop("meta")
        assert stored == {k: v for k, v in resource.items() if k != "meta"}, url
    assert set(refused) == set(INVALID), refused
    assert all(INVALID[name] in said for name, said in refused.items()), refused
