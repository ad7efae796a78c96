"""Home nursing: the catalogue of home services, nurses of institutions, doctors' orders, patients' requests
(address and time window, eligibility), assignment to a nurse of the nearest institution, the visit (check-in and
check-out with position, Encounter class HH with Procedure and Observations) and the overdue-visit safety alert.

Public surface: this module (the tables and the catalogue) and `clinic.nursing.services`.
"""
from clinic.nursing.catalogue import SERVICES
from clinic.nursing.models import Nurse, NursingOrder, NursingRequest, NursingVisit

__all__ = ["SERVICES", "Nurse", "NursingOrder", "NursingRequest", "NursingVisit"]
