"""Follow-up plans for chronic patients: a doctor enrols a patient from a template; the plan proposes visits,
re-checks eligibility before each online follow-up and measures adherence.

Public surface: this module (the tables and the templates) and `clinic.careplans.services`.
"""
from clinic.careplans.models import CarePlan, CarePlanVisit
from clinic.careplans.templates import TEMPLATES, fired_rules

__all__ = ["CarePlan", "CarePlanVisit", "TEMPLATES", "fired_rules"]
