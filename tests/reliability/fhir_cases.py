"""Hand-written hostile requests for the FHIR API (tests/reliability/test_fuzz_fhir.py): each must be
refused with a 4xx OperationOutcome and store nothing. `nasty_cases(patient_id)` gives
(label, method, path, body, headers); a str/bytes body is sent as is, anything else as JSON."""
import base64
import json

DEEP = 10_000  # levels: far past Python's recursion limit
SQL_METACHARACTERS = ["' OR 1=1--", "'; DROP TABLE fhir_resources;--", "%", "_", "a%b_c", '"', "*", "\\"]


def deep_arrays(depth=DEEP):
    return "[" * depth + "]" * depth


def deep_objects(depth=DEEP):
    return '{"a":' * depth + "1" + "}" * depth


def cursor(payload):
    """A forged _cursor (they are base64url JSON, not signed)."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _bundle(kind, *entries):
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}


def _post(resource, **request):
    return {"resource": resource, "request": {"method": "POST", "url": resource.get("resourceType", "Patient"),
                                              **request}}


PATIENT = {"resourceType": "Patient", "name": [{"family": "Fuzz"}]}
BROKEN_PATIENT = {"resourceType": "Patient", "birthDate": "the day before yesterday"}


def _bodies(pid):
    """Malformed, wrongly typed, oversized and deeply nested bodies on create and update."""
    over_limit = json.dumps({**PATIENT, "name": [{"family": "x" * (11 * 1024 * 1024)}]})  # > MAX_CONTENT_LENGTH
    rows = [
        ("malformed JSON", "POST", "/fhir/Patient", '{"resourceType": "Patient",'),
        ("not UTF-8", "POST", "/fhir/Patient", b'{"resourceType": "Patient", "x": "\xff"}'),
        ("a JSON array", "POST", "/fhir/Patient", [PATIENT]),
        ("a JSON string", "POST", "/fhir/Patient", "\"Patient\""),
        ("JSON null", "POST", "/fhir/Patient", "null"),
        ("10,000 nested arrays", "POST", "/fhir/Patient", deep_arrays()),
        ("10,000 nested objects", "POST", "/fhir/Patient", deep_objects()),
        ("deep nesting inside a resource", "POST", "/fhir/Patient",
         '{"resourceType": "Patient", "extension": ' + deep_arrays(5000) + "}"),
        ("deep nesting in an update", "PUT", f"/fhir/Patient/{pid}", deep_objects()),
        ("200 nested extensions", "POST", "/fhir/Patient", json.dumps(
            {**PATIENT, "extension": [_nested_extension(200)]})),
        ("body over MAX_CONTENT_LENGTH", "POST", "/fhir/Patient", over_limit),
        ("NUL in a string", "POST", "/fhir/Patient", {**PATIENT, "name": [{"family": "a\x00b"}]}),
        ("NUL in a key", "POST", "/fhir/Patient", {**PATIENT, "a\x00": 1}),
        ("lone surrogate", "POST", "/fhir/Patient", '{"resourceType": "Patient", "name": [{"family": "\\ud800"}]}'),
        ("birthDate a number", "POST", "/fhir/Patient", {**PATIENT, "birthDate": 19800517}),
        ("name a string", "POST", "/fhir/Patient", {**PATIENT, "name": "Fuzz"}),
        ("active a list", "POST", "/fhir/Patient", {**PATIENT, "active": [True]}),
        ("unknown element", "POST", "/fhir/Patient", {**PATIENT, "favouriteColour": "blue"}),
        ("NaN quantity", "POST", "/fhir/Observation", '{"resourceType": "Observation", "status": "final", '
         '"code": {"text": "x"}, "valueQuantity": {"value": NaN}}'),
        ("infinite quantity", "POST", "/fhir/Observation", '{"resourceType": "Observation", "status": "final", '
         '"code": {"text": "x"}, "valueQuantity": {"value": 1e999}}'),
        ("5,000-digit integer", "POST", "/fhir/Observation", '{"resourceType": "Observation", "status": "final", '
         '"code": {"text": "x"}, "valueInteger": 1' + "0" * 5000 + "}"),
        ("unknown resource type", "POST", "/fhir/Spaceship", {"resourceType": "Spaceship"}),
        ("body of another type", "POST", "/fhir/Patient", {"resourceType": "Observation"}),
        ("resourceType a list", "POST", "/fhir/Patient", {"resourceType": ["Patient"]}),
        ("no resourceType", "POST", "/fhir/Patient", {"name": [{"family": "x"}]}),
        ("update without id", "PUT", f"/fhir/Patient/{pid}", PATIENT),
        ("update with another id", "PUT", f"/fhir/Patient/{pid}", {**PATIENT, "id": "someone-else"}),
        ("update with an id list", "PUT", f"/fhir/Patient/{pid}", {**PATIENT, "id": [pid]}),
        ("XML body", "POST", "/fhir/Patient", "<Patient xmlns='http://hl7.org/fhir'/>"),
        ("focus not a list of references", "POST", "/fhir/Observation", {
            "resourceType": "Observation", "status": "final", "code": {"text": "x"}, "focus": "Patient/1"}),
        ("reference an object", "POST", "/fhir/Observation", {
            "resourceType": "Observation", "status": "final", "code": {"text": "x"}, "subject": {"reference": {}}}),
    ]
    headers = {"XML body": {"Content-Type": "application/fhir+xml"}}
    return [(label, method, path, body, headers.get(label, {})) for label, method, path, body in rows]


def _nested_extension(depth):
    ext = {"url": "http://example.org/leaf", "valueString": "x"}
    for n in range(depth):
        ext = {"url": f"http://example.org/level{n}", "extension": [ext]}
    return ext


def _urls(pid):
    """Bad ids, versions, search parameters, prefixes and paging values."""
    long = "x" * 100_000
    rows = [
        ("id too long", "GET", "/fhir/Patient/" + "a" * 65),
        ("id with illegal characters", "GET", "/fhir/Patient/a$b"),
        ("NUL in an id", "GET", "/fhir/Patient/%00"),
        ("NUL in a type", "GET", "/fhir/Pat%00ient"),
        ("unknown type", "GET", "/fhir/Spaceship"),
        ("lower-case type", "GET", "/fhir/patient"),
        ("delete a bad id", "DELETE", "/fhir/Patient/a$b"),
        ("vread a non-number", "GET", f"/fhir/Patient/{pid}/_history/abc"),
        ("vread past 32 bits", "GET", f"/fhir/Patient/{pid}/_history/2147483648"),
        ("vread 30 digits", "GET", f"/fhir/Patient/{pid}/_history/" + "9" * 30),
        ("vread superscript two", "GET", f"/fhir/Patient/{pid}/_history/%C2%B2"),
        ("date prefix xx", "GET", "/fhir/Patient?birthdate=xx2020"),
        ("date not a date", "GET", "/fhir/Patient?birthdate=yesterday"),
        ("date offset +99:99", "GET", "/fhir/Patient?birthdate=2020-01-01T00:00:00%2B99:99"),
        ("date month 13", "GET", "/fhir/Patient?birthdate=2020-13"),
        ("date empty", "GET", "/fhir/Patient?birthdate="),
        ("quantity 1e999999999", "GET", "/fhir/Observation?value-quantity=1e999999999"),
        ("quantity 1e-999999999", "GET", "/fhir/Observation?value-quantity=ge1e-999999999"),
        ("quantity not a number", "GET", "/fhir/Observation?value-quantity=lots"),
        ("_count -1", "GET", "/fhir/Patient?_count=-1"),
        ("_count 1e9", "GET", "/fhir/Patient?_count=1e9"),
        ("_count superscript", "GET", "/fhir/Patient?_count=%C2%B2"),
        ("history _count superscript", "GET", "/fhir/Patient/_history?_count=%C2%B2"),
        ("history _offset superscript", "GET", "/fhir/_history?_offset=%C2%B2"),
        ("history _offset 30 digits", "GET", "/fhir/_history?_offset=" + "9" * 30),
        ("history _since garbage", "GET", "/fhir/_history?_since=soon"),
        ("$everything _count superscript", "GET", f"/fhir/Patient/{pid}/$everything?_count=%C2%B2"),
        ("cursor garbage", "GET", "/fhir/Patient?_cursor=garbage"),
        ("cursor position infinite", "GET", "/fhir/Patient?_cursor=" + cursor({"d": "next", "s": [], "v": [],
                                                                               "p": 1e400})),
        ("cursor position past 64 bits", "GET", "/fhir/Patient?_cursor=" + cursor(
            {"d": "next", "s": [], "v": [], "p": 10 ** 30})),
        ("cursor value an object", "GET", "/fhir/Patient?_sort=name&_cursor=" + cursor(
            {"d": "next", "s": ["name"], "v": [{"a": 1}], "p": 1})),
        ("cursor text for a number", "GET", "/fhir/Observation?_sort=value-quantity&_cursor=" + cursor(
            {"d": "next", "s": ["value-quantity"], "v": ["abc"], "p": 1})),
        ("cursor value with NUL", "GET", "/fhir/Patient?_sort=name&_cursor=" + cursor(
            {"d": "next", "s": ["name"], "v": ["\x00"], "p": 1})),
        ("$everything cursor past 64 bits", "GET", f"/fhir/Patient/{pid}/$everything?_cursor=" + cursor(
            {"d": "next", "s": [], "v": [], "p": 10 ** 30})),
        ("unknown modifier, strict", "GET", "/fhir/Patient?name:sounds-like=x"),
        ("missing not a boolean", "GET", "/fhir/Patient?name:missing=maybe"),
        ("chain on a token", "GET", "/fhir/Patient?gender.name=x"),
        ("XML wanted", "GET", "/fhir/Patient?_format=xml"),
        ("100 kB search value", "GET", "/fhir/Patient?birthdate=" + long),
        ("unknown parameter, strict", "GET", "/fhir/Patient?shoe-size=42"),
        ("unknown sort, strict", "GET", "/fhir/Patient?_sort=shoe-size"),
        ("PATCH", "PATCH", f"/fhir/Patient/{pid}"),
        ("DELETE the base", "DELETE", "/fhir"),
        ("AuditEvent is read-only", "DELETE", "/fhir/AuditEvent/1"),
        ("AuditEvent id past 64 bits", "GET", "/fhir/AuditEvent/" + "9" * 60),
    ]
    strict = {"Prefer": "handling=strict"}
    return [(label, method, path, None, strict if "strict" in label else {}) for label, method, path in rows]


def _conditionals(pid):
    """If-Match and If-None-Exist that must not write."""
    update = {**PATIENT, "id": pid}
    rows = [(f"If-Match {value!r}", "PUT", f"/fhir/Patient/{pid}", update, {"If-Match": value})
            for value in ("junk", 'W/"x"', 'W/"-1"', 'W/"999"', 'W/"²"', 'W/"' + "9" * 50 + '"', "W/")]
    rows += [(f"If-None-Exist {value!r}", "POST", "/fhir/Patient", PATIENT, {"If-None-Exist": value})
             for value in ("%%%", "shoe-size=42", "_count=1e9", "name=%00", "birthdate=xx2020", "_count=5")]
    return rows


def _bundles():
    """Transactions with one broken entry among good ones (all or nothing) and malformed Bundles."""
    good = [_post({**PATIENT, "name": [{"family": f"Tx{n}"}]}) for n in range(3)]
    rows = [
        ("transaction with a broken entry", _bundle("transaction", *good, _post(BROKEN_PATIENT))),
        ("transaction with a bad id", _bundle("transaction", *good, {
            "request": {"method": "PUT", "url": "Patient/a$b"}, "resource": PATIENT})),
        ("transaction reading a missing resource", _bundle("transaction", *good, {
            "request": {"method": "GET", "url": "Patient/does-not-exist"}})),
        ("transaction with a strict unknown ifNoneExist", _bundle("transaction", *good[:1], _post(
            PATIENT, ifNoneExist="shoe-size=42"))),
        ("transaction entry a number", _bundle("transaction", *good, 5)),
        ("transaction entry list a number", {"resourceType": "Bundle", "type": "transaction", "entry": 5}),
        ("entry url a number", _bundle("transaction", {"request": {"method": "GET", "url": 5}})),
        ("entry method a list", _bundle("transaction", {"request": {"method": ["GET"], "url": "Patient"}})),
        ("entry method unknown", _bundle("transaction", {"request": {"method": "TRACE", "url": "Patient"}})),
        ("entry resource a list", _bundle("transaction", {"request": {"method": "POST", "url": "Patient"},
                                                          "resource": [1]})),
        ("entry fullUrl a list", _bundle("transaction", {**_post(PATIENT), "fullUrl": [1]})),
        ("entry ifNoneExist a number", _bundle("transaction", _post(PATIENT, ifNoneExist=5))),
        ("entry ifMatch a number", _bundle("transaction", {"request": {"method": "PUT", "url": "Patient/x",
                                                                       "ifMatch": 5}, "resource": PATIENT})),
        ("entry resourceType a list", _bundle("transaction", _post({"resourceType": [5]}))),
        ("Bundle type a list", {"resourceType": "Bundle", "type": ["transaction"]}),
        ("Bundle of unknown type", _bundle("collection", *good)),
        ("not a Bundle", PATIENT),
        ("10,000 nested arrays as a Bundle", deep_arrays()),
        ("NUL in an entry URL", _bundle("transaction", {"request": {"method": "GET", "url": "Patient?name=%00"}})),
        ("batch entry list a number", {"resourceType": "Bundle", "type": "batch", "entry": 5}),
        ("batch entry url a number", _bundle("batch", {"request": {"method": "GET", "url": 5}})),
    ]
    return [(label, "POST", "/fhir", body, {}) for label, body in rows]


def nasty_cases(patient_id):
    """Every hand-written case: (label, method, path, body, headers)."""
    return _bodies(patient_id) + _urls(patient_id) + _conditionals(patient_id) + _bundles()


# Batches answer 200 with a per-entry outcome: every entry of these must fail, and nothing be stored.
BROKEN_BATCH_ENTRIES = [
    _post(BROKEN_PATIENT), _post({"resourceType": "Spaceship"}), {"request": {"method": "GET", "url": "Spaceship/1"}},
    {"request": {"method": "PUT", "url": "Patient/a$b"}, "resource": PATIENT},
    {"request": {"method": "GET", "url": "Patient?birthdate=xx2020"}},
    {"request": {"method": "GET", "url": "Patient?_count=%C2%B2"}},
    {"request": {"method": "DELETE", "url": "Patient/does-not-exist"}},
    {"request": {"method": "POST", "url": "Patient", "ifNoneExist": "shoe-size=42"}, "resource": PATIENT},
    {"request": {"method": "POST", "url": "Observation"}, "resource": PATIENT},
]
