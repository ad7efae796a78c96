"""FHIR resources derived from pharmacy's tables (the tables are the source of truth).

Placeholder until the records domain lands on main: the functions are called at the right points,
inside the same transaction, and write nothing yet.
"""


def prescription_signed(actor, prescription, items):
    """Write MedicationRequest(s) and the Provenance carrying the signature (once records is merged)."""


def prescription_reviewed(actor, prescription, items):
    """Update the MedicationRequest status after the pharmacist's review (once records is merged)."""


def order_dispensed(actor, order, dispense, items, pharmacy):
    """Write the MedicationDispense resources of a dispensed order (once records is merged)."""
    return []
