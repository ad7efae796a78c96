"""Home measurements (blood pressure, glucose, weight) and the alerts their values raise against care plans.

Public surface: this module (the tables and the kinds) and `clinic.measurements.services`.
"""
from clinic.measurements.kinds import KINDS, canonical_values
from clinic.measurements.models import Measurement, MeasurementAlert

__all__ = ["KINDS", "Measurement", "MeasurementAlert", "canonical_values"]
