"""Pharmacy: the medication catalogue, signed e-prescriptions, pharmacist review, routing to
cooperating pharmacies and fulfilment. Other domains use `pharmacy.services` only."""
