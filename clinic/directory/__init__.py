"""The directory: institutions, doctors with their specialties and sites, family-doctor bindings.

Public surface: this module (the tables) and `clinic.directory.services` (lookups and changes).
"""
from clinic.directory.models import (INSTITUTION_KINDS, Doctor, DoctorInstitution, DoctorSpecialty, FamilyDoctorBinding,
                                     Institution)
from clinic.directory.specialties import SPECIALTY_CODES

__all__ = ["INSTITUTION_KINDS", "Doctor", "DoctorInstitution", "DoctorSpecialty", "FamilyDoctorBinding",
           "Institution", "SPECIALTY_CODES"]
