"""The tests and examinations a doctor may order: LOINC codes, units and adult reference ranges (demonstration
values after common Chinese laboratory practice; each laboratory confirms its own before use). A result below
`low` is flagged L, above `high` H; an examination has a written conclusion only."""

TESTS = {
    "hba1c": {"kind": "lab", "loinc": "4548-4", "display": "Hemoglobin A1c/Hemoglobin.total in Blood",
              "results": [{"code": "4548-4", "display": "HbA1c", "unit": "%", "low": 4.0, "high": 6.0}]},
    "fasting-glucose": {"kind": "lab", "loinc": "1558-6", "display": "Fasting glucose [Moles/volume] in Serum",
                        "results": [{"code": "1558-6", "display": "Fasting glucose", "unit": "mmol/L",
                                     "low": 3.9, "high": 6.1}]},
    "lipid-panel": {"kind": "lab", "loinc": "57698-3", "display": "Lipid panel with direct LDL",
                    "results": [
                        {"code": "14647-2", "display": "Cholesterol", "unit": "mmol/L", "low": None, "high": 5.2},
                        {"code": "14927-8", "display": "Triglyceride", "unit": "mmol/L", "low": None, "high": 1.7},
                        {"code": "14646-4", "display": "HDL cholesterol", "unit": "mmol/L", "low": 1.0,
                         "high": None},
                        {"code": "22748-8", "display": "LDL cholesterol", "unit": "mmol/L", "low": None,
                         "high": 3.4}]},
    "creatinine": {"kind": "lab", "loinc": "14682-9", "display": "Creatinine [Moles/volume] in Serum",
                   "results": [{"code": "14682-9", "display": "Creatinine", "unit": "umol/L", "low": 45,
                                "high": 110}]},
    "ecg": {"kind": "exam", "loinc": "11524-6", "display": "EKG study", "results": []},
}


def flag(spec, value):
    """H, L or N for a value against the reference range of `spec`."""
    if spec["high"] is not None and value > spec["high"]:
        return "H"
    if spec["low"] is not None and value < spec["low"]:
        return "L"
    return "N"
