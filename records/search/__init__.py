"""Indexed FHIR search: definitions, index extraction, query building, paging and includes."""
