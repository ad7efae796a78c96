"""Patient compartment membership (https://hl7.org/fhir/R4/compartmentdefinition-patient.html).

Driven by the official CompartmentDefinition (records/search/r4_compartment_patient.json): a resource
is in the compartment of every Patient that one of its listed search parameters references. A
Patient is in its own compartment. Membership is stored at write time (fhir_compartment) so access
control and Patient/$everything are SQL filters on an index.
"""
import json
from functools import lru_cache
from pathlib import Path

from records.search.definitions import get_param
from records.search.values import split_reference

DEFINITION = Path(__file__).resolve().parent / "search" / "r4_compartment_patient.json"


@lru_cache(maxsize=1)
def compartment_params():
    """resource type -> the SearchParams linking it to a Patient (only the ones we can evaluate)."""
    raw = json.loads(DEFINITION.read_text())
    out = {}
    for rtype, names in raw.items():
        params = [get_param(rtype, name) for name in names]
        out[rtype] = [p for p in params if p is not None and p.type == "reference"]
    return out


def compartment_patients(resource):
    """The ids of the Patients whose compartment `resource` is in."""
    rtype = resource.get("resourceType")
    found = set()
    if rtype == "Patient" and resource.get("id"):
        found.add(resource["id"])
    for param in compartment_params().get(rtype, ()):
        for node in param.evaluate(resource):
            ref = node.value.get("reference") if isinstance(node.value, dict) else None
            target_type, target_id = split_reference(ref)
            if target_type == "Patient" and target_id:
                found.add(target_id)
    return found


def compartment_types():
    """Resource types that can be in a Patient compartment (Patient included)."""
    return sorted(set(compartment_params()) | {"Patient"})
