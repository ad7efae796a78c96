"""The home services a patient may request and who may order them. `needs_order`: only with a doctor's order
for the patient (an injection or catheter care needs a prescription-like order; a wound check or a post-discharge
visit the patient asks for). `minutes`: the planned length, from which a visit's check-out falls due."""

SNOMED = "http://snomed.info/sct"

SERVICES = {
    "injection": {"display": "Injection at home", "snomed": "422145002", "needs_order": True,
                  "ordered_by": ["doctor"], "minutes": 30},
    "wound-care": {"display": "Wound care", "snomed": "225358003", "needs_order": False,
                   "ordered_by": ["doctor", "patient"], "minutes": 45},
    "catheter-care": {"display": "Urinary catheter care", "snomed": "385937004", "needs_order": True,
                      "ordered_by": ["doctor"], "minutes": 45},
    "post-discharge-check": {"display": "Post-discharge home check", "snomed": "1259285000", "needs_order": False,
                             "ordered_by": ["doctor", "patient"], "minutes": 60},
}
