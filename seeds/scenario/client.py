"""A tiny HTTP client for the scenario: JSON over /api/v1 and /fhir with a bearer token; any answer
other than the expected status raises StepFailed carrying the problem details (or OperationOutcome)."""
import json
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests

TIMEOUT = 20


class StepFailed(Exception):
    """A step of the journey did not go as a real app expects; `problem` is what the server answered."""

    def __init__(self, message, problem=None):
        super().__init__(message)
        self.problem = problem


def describe_problem(body):
    """One line from an RFC 9457 problem (code, detail, field errors) or a FHIR OperationOutcome."""
    if not isinstance(body, dict):
        return str(body)[:300]
    if body.get("resourceType") == "OperationOutcome":
        return "; ".join(f"{i.get('code')}: {i.get('diagnostics')}" for i in body.get("issue", []))
    text = f"{body.get('code') or body.get('title')}: {body.get('detail') or body.get('title')}"
    errors = body.get("errors")
    if errors:
        text += " (" + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors if isinstance(e, dict)) + ")"
    return text


class Api:
    """One signed-in party (or an anonymous one) talking to the service like an app does."""

    def __init__(self, base_url, token=None, who="anonymous"):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.who = who
        self.http = requests.Session()
        self.server_now = None  # the server's clock, from the last Date header

    def request(self, method, path, expect=(200, 201), **kwargs):
        """Send one request; return the decoded JSON body (None when empty). Raise StepFailed otherwise."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if path.startswith("/fhir"):
            headers.setdefault("Accept", "application/fhir+json")
        try:
            url = path if path.startswith(("http://", "https://")) else self.base_url + path  # a `next` link
            answer = self.http.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise StepFailed(f"{method} {path} as {self.who}: the server cannot be reached ({exc})") from None
        if answer.headers.get("Date"):
            self.server_now = parsedate_to_datetime(answer.headers["Date"])
        try:
            body = answer.json() if answer.content else None
        except ValueError:
            body = answer.text[:500]
        if answer.status_code not in expect:
            raise StepFailed(f"{method} {path} as {self.who} answered {answer.status_code}: {describe_problem(body)}",
                             problem=body)
        return body

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def items(self, path):
        """Every item of a list, following its `next` links (the app API's pagination)."""
        found = []
        while path:
            page = self.get(path)
            found += page["items"]
            path = page["next"]
        return found

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, json=body if body is not None else {}, **kwargs)

    def refused(self, path, body, statuses=(409, 422)):
        """POST expecting a refusal; return the problem details."""
        return self.request("POST", path, json=body, expect=statuses)

    def now(self):
        """The server's time (from its Date header) or ours before the first answer."""
        return self.server_now or datetime.now(timezone.utc)

    def login(self, username, password):
        """A new Api signed in as `username` (POST /api/v1/auth/token)."""
        answer = Api(self.base_url, who=username).post("/api/v1/auth/token",
                                                       {"username": username, "password": password})
        signed_in = Api(self.base_url, answer["access_token"], who=username)
        signed_in.me = signed_in.get("/api/v1/me")
        return signed_in


def compact(body, limit=1500):
    """A problem body as one JSON line for the failure report."""
    return json.dumps(body, ensure_ascii=False, default=str)[:limit]
