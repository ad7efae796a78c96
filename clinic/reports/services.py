"""Waiting-time report: wait = check-in to the start of the consultation, per institution, doctor or day."""
from collections import defaultdict
from statistics import mean, median

from sqlalchemy import select

from clinic.appointments import Appointment
from clinic.directory import Doctor, Institution
from core.extensions import db

GROUPS = ("institution", "doctor", "day")


def waiting_times(start, end, group_by="institution"):
    """Average and median wait (minutes) of consultations started in [start, end), grouped."""
    rows = db.session.execute(
        select(Appointment.institution_id, Institution.name, Appointment.doctor_id, Doctor.name,
               Appointment.local_date, Appointment.checked_in_at, Appointment.called_at)
        .join(Institution, Institution.id == Appointment.institution_id)
        .join(Doctor, Doctor.id == Appointment.doctor_id)
        .where(Appointment.called_at.is_not(None), Appointment.checked_in_at.is_not(None),
               Appointment.called_at >= start, Appointment.called_at < end))
    groups, names = defaultdict(list), {}
    for inst_id, inst_name, doctor_id, doctor_name, day, checked_in, called in rows:
        key = {"institution": inst_id, "doctor": doctor_id, "day": day.isoformat()}[group_by]
        names[key] = {"institution": inst_name, "doctor": doctor_name, "day": key}[group_by]
        groups[key].append(max(0.0, (called - checked_in).total_seconds() / 60))
    return [{"key": key, "name": names[key], "consultations": len(waits),
             "average_wait_minutes": round(mean(waits), 1), "median_wait_minutes": round(median(waits), 1)}
            for key, waits in sorted(groups.items())]
