"""Scheduling: weekly templates, exceptions (leave, holidays) and the slots generated from them.

Public surface: this module (the tables) and `clinic.scheduling.services` (the operations).
"""
from clinic.scheduling.models import KINDS, ScheduleException, ScheduleTemplate, Slot

__all__ = ["KINDS", "ScheduleException", "ScheduleTemplate", "Slot"]
