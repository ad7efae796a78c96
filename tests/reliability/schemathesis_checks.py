"""Schemathesis hooks for tests/reliability/test_fuzz_openapi.py (loaded by the schemathesis process).

`problem_details`: every error answer of the app API is RFC 9457 problem details: the
application/problem+json media type and a JSON object with `type`, `title` and a `status` equal to the
HTTP status."""
import json

import schemathesis


@schemathesis.check
def problem_details(ctx, response, case):
    """An error (4xx/5xx) must be application/problem+json with type, title and the HTTP status."""
    if response.status_code < 400:
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()  # keys are lowercase
    if media_type != "application/problem+json":
        raise AssertionError(f"{response.status_code} answered as {media_type!r}, not application/problem+json")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.content[:200]!r}") from None
    missing = [key for key in ("type", "title", "status") if not isinstance(body, dict) or key not in body]
    if missing:
        raise AssertionError(f"{response.status_code} problem details lack {missing}: {str(body)[:300]}")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem details status {body['status']} != HTTP {response.status_code}")
    return None
