"""What billing learns from the domains above it, through hooks they install at start-up (billing imports
neither clinic nor pharmacy):

    refund rule     fn(source_id) -> {"rule": name, "refundable_fen": int | None (all)} or None (no rule applies)
    expiry handler  fn(source_id) -> None: an unpaid booking or order expired; release it and tell the patient
    supervision     fn(source_id) -> (kind, subject, trace_id, patient_ref) or None: how a refund of this source
                    is reported to the regulator's feed (e.g. medicine on its prescription's trace)
"""
_refund_rules = {}
_expiry_handlers = {}
_supervision = {}


def kind_of(source_ref):
    """("Appointment", "abc") from "Appointment/abc"."""
    kind, _, source_id = source_ref.partition("/")
    return kind, source_id


def register_refund_rule(kind, fn):
    """Install the refund rule for charges of `kind` ("Appointment", "PharmacyOrder"); None removes it."""
    _install(_refund_rules, kind, fn)


def register_expiry_handler(kind, fn):
    """Install what releases a `kind` source whose charge expired unpaid; None removes it."""
    _install(_expiry_handlers, kind, fn)


def register_supervision(kind, fn):
    """Install how refunds of `kind` sources are reported to the supervision feed; None removes it."""
    _install(_supervision, kind, fn)


def _install(table, kind, fn):
    if fn is None:
        table.pop(kind, None)
    else:
        table[kind] = fn


def refund_rule(source_ref):
    """The rule that allows a refund of the charge for `source_ref` now, or None."""
    kind, source_id = kind_of(source_ref)
    fn = _refund_rules.get(kind)
    return fn(source_id) if fn else None


def expire_source(source_ref):
    """Release the source of an expired charge (no handler: nothing to release)."""
    kind, source_id = kind_of(source_ref)
    fn = _expiry_handlers.get(kind)
    if fn:
        fn(source_id)


def supervision_of(source_ref):
    """(kind, subject, trace_id, patient_ref) under which a refund of `source_ref` is reported, or None."""
    kind, source_id = kind_of(source_ref)
    fn = _supervision.get(kind)
    return fn(source_id) if fn else None
