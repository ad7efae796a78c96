"""The billing service API: what clinic, pharmacy, seeds and create_app may call.

    charge_appointment(appointment)     a booking's charge (registration + consultation by the doctor's title)
    charge_views(source_refs)           the FHIR views of charges created with views_later=True, for the caller's
                                        outbox to write after the commit (the charges row-locked)
    charge_order(order)                 an order's charge (medicine at the price list, delivery)
    close_source(source_ref, reason)    cancelled / withdrawn: void the unpaid charge, refund what was paid
    assign_payee(source_ref, kind, id)  the pharmacy that took an order is paid for it
    charge_status(source_ref)           "pending" | "paid" | ... | None
    register_refund_rule(kind, fn)      see billing.rules
    register_expiry_handler(kind, fn)
    register_supervision(kind, fn)      how a refund of the kind is reported to the supervision feed
    count_payment_records, anonymise_payment_records, count_provider_notifications,
    purge_provider_notifications        the end of retention (billing.retention; compliance decides when)

Service functions flush and never commit."""
from billing import fees, fhir, rules
from billing.charges import assign_payee, charge_of, create_charge  # noqa: F401
from billing.refunds import close_source  # noqa: F401
from billing.retention import (anonymise_payment_records, count_payment_records,  # noqa: F401
                               count_provider_notifications, purge_provider_notifications)
from billing.rules import register_expiry_handler, register_refund_rule, register_supervision  # noqa: F401
from core.config import setting_from_env

SETTINGS = {  # name -> default; each may be set in the environment
    "BILLING_PAYMENT_REQUIRED": False,  # unpaid bookings and orders expire (off: charges are informational)
    "BILLING_PAY_WITHIN_MINUTES": 15,  # how long a charge may stay unpaid when payment is required
    "BILLING_PROVIDER": "sandbox",  # the provider payment intents go to
    "BILLING_PLATFORM_FEE_BPS": 500,  # the platform's fee in basis points of each payment (5 %)
    "BILLING_NOTIFY_MAX_AGE_SECONDS": 300,  # a notification signed longer ago than this is a replay (409)
    "BILLING_REPAIR_AFTER_SECONDS": 120,  # a payment pending this long is queried at the provider
    "BILLING_SETTLEMENT_TZ": "Asia/Shanghai",  # the local day settlement and reconciliation are counted in
    "BILLING_SANDBOX_SECRET": "",  # the sandbox's signing key (empty: derived from SECRET_KEY)
    "BILLING_SANDBOX_CASHIER": None,  # mount POST /sandbox/pay/<ref> (None: everywhere but production)
}


def charge_appointment(appointment, views_later=False):
    """Charge a booking: {id, patient_id, user_id, institution_id, kind, doctor_title, doctor_fee_fen}.
    `views_later`: its Invoice and ChargeItems are written by the caller's outbox (charge_views)."""
    institution = appointment["institution_id"]
    title = appointment.get("doctor_title") or ""
    registration, consultation = fees.prices(institution, [
        ("registration", "", 0), ("consultation", title, appointment.get("doctor_fee_fen") or 0)])
    items = []
    if registration:
        items.append({"service": "registration", "description": "Registration", "unit_fen": registration})
    items.append({"service": "consultation", "code": title, "unit_fen": consultation,
                  "description": f"{appointment['kind'].capitalize()} consultation ({title or 'doctor'})"})
    return create_charge(f"Appointment/{appointment['id']}", appointment["patient_id"], appointment.get("user_id"),
                         "institution", institution, items, views_later=views_later)


def charge_views(source_refs):
    """The FHIR views of the charges of `source_refs` from their current rows (row-locked), to be written by the
    caller as the system in this transaction."""
    return fhir.views_of_sources(source_refs)


def charge_order(order):
    """Charge an order: {id, patient_id, user_id, mode, pharmacy_id (offered to, or None), items: [{code, display,
    quantity}]}, at that pharmacy's prices (else the platform's); the pharmacy is paid once one takes it
    (assign_payee)."""
    pharmacy = order.get("pharmacy_id")
    items = [{"service": "medicine", "code": item["code"], "description": item["display"],
              "quantity": item["quantity"], "unit_fen": fees.price(pharmacy, "medicine", item["code"], fallback=0)}
             for item in order["items"]]
    if order["mode"] == "delivery":
        items.append({"service": "delivery", "description": "Delivery",
                      "unit_fen": fees.price(pharmacy, "delivery", fallback=0)})
    return create_charge(f"PharmacyOrder/{order['id']}", order["patient_id"], order.get("user_id"), "pharmacy",
                         None, items)


def charge_status(source_ref):
    """The status of the charge for `source_ref`, or None when it has none."""
    charge = charge_of(source_ref)
    return charge.status if charge else None


def refund_rule(source_ref):
    """The refund rule that applies to `source_ref` now (for the domains' own checks)."""
    return rules.refund_rule(source_ref)


def init_app(app):
    """Settings, the sandbox provider and the periodic jobs (called by create_app)."""
    from billing import fhir, jobs  # noqa: F401  (jobs: registers the periodic jobs)
    from billing import providers
    from billing.providers.sandbox import SandboxProvider

    for name, default in SETTINGS.items():
        if name == "BILLING_SANDBOX_CASHIER":
            default = app.config.get("ENV") != "production"
        app.config.setdefault(name, setting_from_env(name, default))
    providers.register(SandboxProvider())
    fhir.register_views()  # Invoice and ChargeItem: read-only over FHIR, written by billing


def cashier_blueprint(app):
    """The sandbox cashier's blueprint when BILLING_SANDBOX_CASHIER is on, else None (create_app mounts it)."""
    from billing.providers import sandbox_cashier

    return sandbox_cashier.bp if app.config["BILLING_SANDBOX_CASHIER"] else None
