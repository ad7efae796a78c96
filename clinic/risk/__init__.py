"""Risk control: whether online treatment may go on, explained, cited and logged.

The pure engine is clinic.risk.engine (no Flask, no database); the rest of this package feeds it facts
from records and the clinic (fact gathering, triage, consents, guardians), keeps the published rule-set
versions and the decision log, and serves the API.

Public surface: this module (the tables) and `clinic.risk.services` (the checkpoints, consents, guardians).
"""
from clinic.risk.models import (GUARDIAN_LIVE, OnlineTreatmentConsent, PatientGuardian, ProtocolVersion,
                                RiskDecisionLog, RuleSetVersion)

__all__ = ["GUARDIAN_LIVE", "OnlineTreatmentConsent", "PatientGuardian", "ProtocolVersion", "RiskDecisionLog",
           "RuleSetVersion"]
