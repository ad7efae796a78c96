"""Billing in the journey: the patient pays the online consultation's fee at the sandbox cashier right after
booking; at the end an administrator gives part of it back (goodwill, with a reason) and the day settles
(per payee, the ledger balanced) and reconciles with the provider's statement."""
from zoneinfo import ZoneInfo

from seeds.scenario.client import StepFailed
from seeds.scenario.journey import ADMIN

GOODWILL_FEN = 500


def _yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def pay_fee(story):
    source = f"Appointment/{story['appointment']['id']}"
    charges = story.patient.get(f"/api/v1/charges?source={source}")["items"]
    if len(charges) != 1:
        raise StepFailed(f"the booking has {len(charges)} charges, not one", problem=charges)
    charge = charges[0]
    payment = story.patient.post("/api/v1/payments", {"charge_id": charge["id"]})
    story.patient.post(payment["intent"]["redirect_url"])  # the wallet app pays at the sandbox cashier
    settled = story.patient.post(f"/api/v1/payments/{payment['id']}/query")  # back in the app: ask now
    charge = story.patient.get(f"/api/v1/charges/{charge['id']}")
    if settled["status"] != "succeeded" or charge["status"] != "paid":
        raise StepFailed(f"payment {settled['status']}, charge {charge['status']}", problem=settled)
    story["charge"] = charge
    items = ", ".join(f"{i['description']} {_yuan(i['amount_fen'])}" for i in charge["items"])
    return (f"the patient pays {_yuan(charge['amount_fen'])} yuan ({items}) by scanning the sandbox QR code "
            f"({payment['intent']['qr_code']}): payment {settled['status']}, charge {charge['status']}")


def refund_and_settle(story):
    admin = story.api.login(*ADMIN)
    charge = story["charge"]
    refund = admin.post("/api/v1/refunds", {"charge_id": charge["id"], "amount_fen": GOODWILL_FEN,
                                            "reason": "goodwill: the consultation started late"})
    receipt = story.patient.request("GET", f"/api/v1/charges/{charge['id']}/receipt", expect=(200,))
    day = story.api.now().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    settlement = admin.get(f"/api/v1/settlements?date={day}")
    reconciliation = admin.get(f"/api/v1/reconciliation?date={day}")
    if not settlement["balanced"]:
        raise StepFailed(f"the ledger of {day} does not balance", problem=settlement)
    if not reconciliation["matched"]:
        raise StepFailed(f"the provider's statement of {day} differs from our books", problem=reconciliation)
    payee = next((p for p in settlement["payees"] if p["payee_id"] == charge["payee_id"]), None)
    totals = settlement["totals"]
    return [f"an administrator refunds {_yuan(refund['amount_fen'])} yuan ({refund['rule']}: {refund['reason']}); "
            f"the patient's receipt says {'Refunded' in (receipt or '')}",
            f"settlement of {day}: {totals['payments']} payments {_yuan(totals['paid_fen'])} yuan, {totals['refunds']} "
            f"refunds {_yuan(totals['refunded_fen'])} yuan; the clinic is owed {_yuan(payee['net_fen'] if payee else 0)}"
            f" yuan; ledger balanced {settlement['balanced']}",
            f"reconciliation with the sandbox statement: {reconciliation['lines_ours']} lines ours, "
            f"{reconciliation['lines_theirs']} theirs, matched {reconciliation['matched']}"]


STEPS = [("an administrator refunds part of the fee and the day settles and reconciles", refund_and_settle)]
