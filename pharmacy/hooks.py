"""The callbacks a higher layer (clinic) installs at start-up, with the defaults used until it does.

- prescribe check: fn(actor, patient_id, items, context) -> {decision, reasons, ruleset_version};
  `context` is what the consultation resolver returned (complaint code, condition change). clinic
  installs the risk engine's `prescribe` checkpoint. DEFAULT (until then): refuse items of a
  restricted class in pharmacy's own catalogue (and codes it does not know), otherwise answer
  needs_pharmacist_review. Pharmacy also refuses restricted drugs itself, whatever the hook says.
- consultation resolver: fn(actor, consultation_id) -> {patient_id, practitioner_id, encounter_ref}
  or raises ApiError. clinic installs the real one (the consultation must be the doctor's own).
  DEFAULT: refuse every consultation with 422 "unknown_consultation" (pharmacy knows nothing of
  consultations; tests install a resolver returning fixed data).
- notifier: fn(event, recipients, payload), recipients like ["Patient/p1", "Practitioner/d1",
  "Pharmacy/x"]. Called inside the request's transaction: an implementation should persist (inbox)
  in that transaction and emit (Socket.IO) only after commit. DEFAULT: log only.
"""
import logging

from core.errors import ApiError
from pharmacy import catalogue

log = logging.getLogger(__name__)
ACCEPTED_DECISIONS = ("allow", "needs_pharmacist_review")


def default_prescribe_check(actor, patient_id, items, context=None):
    """Refuse restricted or unknown medications from pharmacy's catalogue; otherwise needs_pharmacist_review."""
    reasons = []
    for item in items:
        entry = catalogue.lookup(item["code"], item["system"])
        if entry is None:
            reasons.append({"rule_id": "pharmacy.unknown_medication", "outcome": "deny", "code": item["code"],
                            "message": f"{item['code']} is not in the pharmacy catalogue."})
        elif entry["restricted"]:
            reasons.append({"rule_id": "pharmacy.restricted_drug", "outcome": "deny", "code": item["code"],
                            "restricted_class": entry["restricted"],
                            "message": f"{entry['name']} is a {entry['restricted']} drug and cannot be "
                                       "prescribed online. Please see a doctor in person."})
    if reasons:
        return {"decision": "deny", "reasons": reasons, "ruleset_version": "pharmacy-default"}
    return {"decision": "needs_pharmacist_review", "reasons": [{
        "rule_id": "pharmacy.pharmacist_review", "outcome": "needs_pharmacist_review",
        "message": "A pharmacist will check the prescription before it is dispensed."}],
        "ruleset_version": "pharmacy-default"}


def default_consultation_resolver(actor, consultation_id):
    """Refuse: no consultation resolver is installed (clinic installs one)."""
    raise ApiError(422, "unknown_consultation", f"Consultation {consultation_id!r} is not known.")


def default_notifier(event, recipients, payload):
    """Log the notification (clinic installs inbox + Socket.IO delivery)."""
    log.info("pharmacy notification %s to %s: %s", event, recipients, payload)


_hooks = {
    "prescribe_check": default_prescribe_check,
    "consultation_resolver": default_consultation_resolver,
    "notifier": default_notifier,
}


def install(name, fn):
    """Install hook `name` (None restores the default)."""
    defaults = {"prescribe_check": default_prescribe_check,
                "consultation_resolver": default_consultation_resolver, "notifier": default_notifier}
    if name not in defaults:
        raise KeyError(name)
    _hooks[name] = fn or defaults[name]


def installed(name):
    """The hook installed under `name` now (tests restore it after replacing it)."""
    return _hooks[name]


def check_prescribe(actor, patient_id, items, context=None):
    """Run the installed prescribe check (`context`: what the consultation resolver returned)."""
    return _hooks["prescribe_check"](actor, patient_id, items, context)


def resolve_consultation(actor, consultation_id):
    """Run the installed consultation resolver."""
    return _hooks["consultation_resolver"](actor, consultation_id)


def notify(event, recipients, payload):
    """Send a notification through the installed notifier; a failing notifier never undoes the work."""
    try:
        _hooks["notifier"](event, recipients, payload)
    except Exception:  # the prescription/order change stands; the notifier must not turn it into a 500
        log.exception("pharmacy notifier failed for %s", event)
