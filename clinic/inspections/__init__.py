"""Inspections (lab tests and examinations): a doctor's order (ServiceRequest), the patient's booking at an
institution offering the test (a capacity per day), the result (DiagnosticReport and Observations, abnormal
values flagged from reference ranges), the ordering doctor told.

Public surface: this module (the tables and the catalogue) and `clinic.inspections.services`.
"""
from clinic.inspections.catalogue import TESTS
from clinic.inspections.models import InspectionDay, InspectionOffer, InspectionOrder, InspectionResult

__all__ = ["TESTS", "InspectionDay", "InspectionOffer", "InspectionOrder", "InspectionResult"]
