"""Attachments: sniffed images and PDFs only, size-limited, checksummed, readable by participants only."""
import hashlib
import io

import pytest

from clinic.consult.sniff import safe_filename, sniff_media_type
from tests.clinic.consult.helpers import join, make_patient, start_consultation

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64


@pytest.mark.parametrize("data, media_type", [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"),
                                              (PDF, "application/pdf"), (b"<svg onload=alert(1)>", None),
                                              (b"GIF89a", None), (b"RIFF\x00\x00\x00\x00WAVE", None), (b"", None)])
def test_the_content_decides_the_type(data, media_type):
    assert sniff_media_type(data[:16]) == media_type


def test_names_are_made_harmless_and_get_the_real_extension():
    assert safe_filename("../../etc/passwd.png", "application/pdf") == "passwd.pdf"
    assert safe_filename('x"; y=<script>.jpg', "image/jpeg") == "x_ y_script.jpg"
    assert safe_filename("", "image/png") == "attachment.png"


def upload(client, headers, consultation_id, data, name="scan.png", mimetype="image/png"):
    return client.post(f"/api/v1/consultations/{consultation_id}/attachments", headers=headers,
                       data={"file": (io.BytesIO(data), name, mimetype)}, content_type="multipart/form-data")


def test_an_image_is_stored_with_its_checksum_and_downloaded_by_participants_only(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    r = upload(client, patient.headers, consultation["id"], PDF, name="report.png", mimetype="image/png")
    assert r.status_code == 201, r.get_json()
    stored = r.get_json()
    assert stored["media_type"] == "application/pdf" and stored["filename"] == "report.pdf"
    assert stored["sha256"] == hashlib.sha256(PDF).hexdigest() and stored["size"] == len(PDF)
    url = f"/api/v1/consultations/{consultation['id']}/attachments/{stored['id']}"
    got = client.get(url, headers=doctor.headers)
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    stranger = make_patient(app, accounts, client, eligible=False, name="Stranger")
    assert client.get(url, headers=stranger.headers).status_code == 403
    assert upload(client, stranger.headers, consultation["id"], PNG).status_code == 403


def test_other_types_and_oversized_files_are_refused(app, accounts, client, queue, monkeypatch):
    monkeypatch.setitem(app.config, "CONSULT_ATTACHMENT_MAX_BYTES", 1024)
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    r = upload(client, patient.headers, consultation["id"], b"<html><script>alert(1)</script>", name="x.png")
    assert r.status_code == 415 and r.get_json()["code"] == "unsupported_media_type"
    r = upload(client, patient.headers, consultation["id"], PNG + b"\x00" * 2048)
    assert r.status_code == 413 and r.get_json()["code"] == "payload_too_large"
    assert upload(client, patient.headers, consultation["id"], PNG).status_code == 201
    r = client.post(f"/api/v1/consultations/{consultation['id']}/attachments", headers=patient.headers, data={})
    assert r.status_code in (415, 422)


def test_an_attachment_message_ends_up_as_a_document_reference(app, accounts, client, queue):
    doctor, patient, _, consultation = start_consultation(app, accounts, client, queue)
    stored = upload(client, patient.headers, consultation["id"], PNG).get_json()
    tc, _ = join(app, patient, consultation["id"])
    ack = tc.emit("message", {"consultation_id": consultation["id"], "client_id": "a1", "attachment_id": stored["id"]},
                  namespace="/consult", callback=True)
    assert ack["ok"] and ack["seq"] == 1
    bad = tc.emit("message", {"consultation_id": consultation["id"], "client_id": "a2", "attachment_id": "nope"},
                  namespace="/consult", callback=True)
    assert bad["error"]["code"] == "attachment_not_found"
    end = client.post(f"/api/v1/consultations/{consultation['id']}/end", json={"note": "ok"}, headers=doctor.headers)
    encounter_id = end.get_json()["encounter_id"]
    bundle = client.get(f"/fhir/Communication?encounter=Encounter/{encounter_id}", headers=patient.headers).get_json()
    reference = bundle["entry"][0]["resource"]["payload"][0]["contentReference"]["reference"]
    document = client.get(f"/fhir/{reference}", headers=patient.headers).get_json()
    assert document["content"][0]["attachment"]["contentType"] == "image/png"
    assert document["content"][0]["attachment"]["url"].endswith(f"/attachments/{stored['id']}")
    tc.disconnect("/consult")
