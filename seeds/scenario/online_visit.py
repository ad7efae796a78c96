"""Steps 13-20: the online follow-up: book, pay the fee (seeds/scenario/payment.py), enter the virtual waiting
room (live position over Socket.IO), the doctor opens the hypertension consulting room and calls the patient in, they chat
(every message acknowledged with its sequence number), the doctor ends with a diagnosis and
observations."""
from datetime import datetime
from zoneinfo import ZoneInfo

from seeds.scenario import payment
from seeds.scenario.client import StepFailed
from seeds.scenario.journey import COMPLAINT
from seeds.scenario.live import LiveConnection

LOINC = "http://loinc.org"


def book_online(story):
    slot = story["online_slot"]
    appointment = story.patient.post("/api/v1/appointments", {
        "slot_id": slot["id"], "kind": "online", "reason": f"{COMPLAINT} blood pressure follow-up",
        "complaint_code": COMPLAINT, "channel": "app"})
    story["appointment"] = appointment
    local = datetime.fromisoformat(appointment["starts_at"]).astimezone(ZoneInfo(story["cloud"]["timezone"]))
    return (f"booked the online follow-up with {appointment['doctor']['name']} at {local:%H:%M} "
            f"({appointment['institution']['name']}): appointment {appointment['status']}, "
            f"fee {appointment['fee_fen'] / 100:.2f} yuan")


def enter_waiting_room(story):
    """Connect to /consult first, so the position pushed at check-in is heard live."""
    story["patient_live"] = live = LiveConnection(story.patient).connect()
    story.sockets.append(live)
    appointment_id = story["appointment"]["id"]
    position = story.patient.post(f"/api/v1/appointments/{appointment_id}/check-in")
    pushed = live.wait_for("queue_update", lambda p: p.get("appointment_id") == appointment_id)
    return (f"checked in to the virtual waiting room: queue position {position['position']}, estimated wait "
            f"{position['estimated_wait_minutes']} min (live over Socket.IO: queue_update position "
            f"{pushed['position']}, queue number {pushed['queue_number']})")


def open_room(story):
    """Dr Wang opens the hypertension room (closing another room he left open, if any)."""
    room = story["room"]
    mine = [r for r in story.doctor.items("/api/v1/rooms") if r.get("doctor_user_id") == story.doctor.me["id"]]
    for other in mine:
        if other["id"] != room["id"] and not other["busy"]:
            story.doctor.post(f"/api/v1/rooms/{other['id']}/close")
    opened = story.doctor.post(f"/api/v1/rooms/{room['id']}/open")
    return f"{story.doctor_record['name']} opens the consulting room {opened['name']} ({opened['clinic']}): {opened['status']}"


def call_in(story):
    consultation = story.doctor.post(f"/api/v1/rooms/{story['room']['id']}/call-next", {})
    story["consultation"] = consultation
    if consultation["appointment_id"] != story["appointment"]["id"]:
        raise StepFailed(f"the doctor's queue called appointment {consultation['appointment_id']} first (a patient "
                         f"waiting longer), not this patient's {story['appointment']['id']}", problem=consultation)
    invite = story["patient_live"].wait_for("invited", lambda p: p.get("consultation_id") == consultation["id"])
    return (f"the doctor calls the next patient: consultation {consultation['status']}; the patient hears `invited` "
            f"to {invite['room_name']} (expires in {invite['expires_in_seconds']} s)")


def chat(story):
    """Both join; each message is acknowledged (stored, sequenced) and heard live by the other side."""
    cid, patient = story["consultation"]["id"], story["patient_live"]
    joined = patient.call("join", {"consultation_id": cid, "last_seq": 0})
    doctor = story["doctor_live"] = LiveConnection(story.doctor).connect()
    story.sockets.append(doctor)
    doctor.call("join", {"consultation_id": cid, "last_seq": 0})
    lines = [f"the patient joins (consultation {joined['consultation']['status']}), the doctor joins; they chat:"]
    for speaker, hearer, client_id, text in (
            (patient, doctor, "p1", "医生好，这两周早上血压在135/85左右，没有头晕。BP about 135/85 in the mornings, no dizziness."),
            (doctor, patient, "d1", "很好，继续氨氯地平5毫克每天一次。Good: keep amlodipine 5 mg once daily."),
            (patient, doctor, "p2", "好的，谢谢！请帮我开药送到家。Thanks, please have it delivered.")):
        ack = speaker.call("message", {"consultation_id": cid, "client_id": client_id, "text": text})
        heard = hearer.wait_for("message", lambda m, seq=ack["seq"]: m.get("consultation_id") == cid and m.get("seq") == seq)
        lines.append(f"[seq {ack['seq']}, ack ok, heard live] {heard['sender_role']}: {heard['text']}")
    return lines


def end_consultation(story):
    cid = story["consultation"]["id"]
    ended = story.doctor.post(f"/api/v1/consultations/{cid}/end", {
        "note": "Follow-up of essential hypertension. Home BP ~135/85, no symptoms. Continue amlodipine 5 mg daily.",
        "diagnoses": [{"code": COMPLAINT, "display": "Essential (primary) hypertension"}],
        "observations": [
            {"code": "8480-6", "system": LOINC, "display": "Systolic blood pressure", "value": 135, "unit": "mm[Hg]"},
            {"code": "8462-4", "system": LOINC, "display": "Diastolic blood pressure", "value": 85, "unit": "mm[Hg]"}]})
    story["encounter_id"] = ended.get("encounter_id")
    heard = story["patient_live"].wait_for("consultation_ended", lambda p: p.get("consultation_id") == cid)
    story.doctor.post(f"/api/v1/rooms/{story['room']['id']}/close")
    written = ", ".join(f"{kind.removesuffix('_ids').replace('_', ' ')}s: {len(ids)}"
                        for kind, ids in (ended.get("outcome") or {}).items() if isinstance(ids, list) and ids)
    return (f"the doctor records the diagnosis {COMPLAINT} and BP 135/85 mmHg and ends the consultation: "
            f"{ended['status']}; Encounter/{ended.get('encounter_id')} written with {written}; the patient hears "
            f"`consultation_ended`; the room is closed")


STEPS = [
    ("the patient books the online follow-up", book_online),
    ("the patient pays the consultation fee at the sandbox cashier", payment.pay_fee),
    ("the patient enters the virtual waiting room", enter_waiting_room),
    ("the doctor opens the hypertension consulting room", open_room),
    ("the doctor calls the patient in", call_in),
    ("patient and doctor chat over Socket.IO", chat),
    ("the doctor records the diagnosis and ends the consultation", end_consultation),
]
