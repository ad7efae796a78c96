"""Risk control wired to the service: published rule-set versions, the decision log, the
online-treatment protocol and consents, triage, fact gathering and the API.

The pure engine is clinic.risk (no Flask, no database); this package feeds it facts from
records and the clinic, and stores and explains what it decided.
"""
