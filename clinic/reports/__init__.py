"""Operational reports: bookings, no-shows, waiting times and room utilisation.

Public surface: `clinic.reports.services`.
"""
