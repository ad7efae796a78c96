"""Searchset and history Bundles with absolute links and fullUrls (http://hl7.org/fhir/R4/bundle.html)."""
from urllib.parse import urlencode

PAGING_PARAMS = ("_cursor", "_offset")


def full_url(base_url, resource):
    """The absolute URL of a resource on this server."""
    return f"{base_url}/{resource['resourceType']}/{resource['id']}"


def _link(relation, url, params):
    query = urlencode(params)
    return {"relation": relation, "url": f"{url}?{query}" if query else url}


def unsupported_outcome(unsupported):
    """A warning OperationOutcome listing the search parameters that were ignored."""
    issues = []
    for item in unsupported:
        name, message = item if isinstance(item, tuple) else (item, f"{item} is not supported")
        issues.append({"severity": "warning", "code": "not-supported", "diagnostics": message,
                       "expression": [name]})
    return {"resourceType": "OperationOutcome", "issue": issues}


def searchset(result, base_url, path, cursor=None):
    """A searchset Bundle for a store SearchResult; `path` is what was searched (e.g. "Observation"),
    `cursor` the page asked for (so the self link names this page)."""
    url = f"{base_url}/{path}"
    params = [(k, v) for k, v in (result.params or []) if k not in PAGING_PARAMS]
    links = [_link("self", url, params + ([("_cursor", cursor)] if cursor else []))]
    if result.next_cursor:
        links.append(_link("next", url, params + [("_cursor", result.next_cursor)]))
    if getattr(result, "prev_cursor", None):
        links.append(_link("previous", url, params + [("_cursor", result.prev_cursor)]))
    bundle = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if result.total is not None:
        bundle["total"] = result.total
    entries = []
    if not getattr(result, "summary_count_only", False):
        entries = [{"fullUrl": full_url(base_url, r), "resource": r, "search": {"mode": "match"}}
                   for r in result.resources]
        entries += [{"fullUrl": full_url(base_url, r), "resource": r, "search": {"mode": "include"}}
                    for r in result.included or []]
    if result.unsupported:
        entries.append({"resource": unsupported_outcome(result.unsupported), "search": {"mode": "outcome"}})
    if entries:
        bundle["entry"] = entries
    return bundle


def _history_entry(base_url, item):
    path = f"{item['type']}/{item['id']}"
    entry = {"fullUrl": f"{base_url}/{path}"}
    if item.get("resource"):
        entry["resource"] = item["resource"]
    method = item.get("method", "PUT")
    entry["request"] = {"method": method, "url": item["type"] if method == "POST" else path}
    status = {"POST": "201 Created", "DELETE": "204 No Content"}.get(method, "200 OK")
    entry["response"] = {"status": status, "etag": f'W/"{item["version_id"]}"'}
    if item.get("last_updated"):
        last = item["last_updated"]
        entry["response"]["lastModified"] = last if isinstance(last, str) else \
            last.isoformat().replace("+00:00", "Z")
    return entry


def history(entries, total, base_url, path, params, count, offset):
    """A history Bundle for store history entries; `params` are the query parameters to page with."""
    url = f"{base_url}/{path}"
    params = [(k, v) for k, v in params if k not in PAGING_PARAMS + ("_count",)] + [("_count", str(count))]
    links = [_link("self", url, params + ([("_offset", str(offset))] if offset else []))]
    if offset + count < total:
        links.append(_link("next", url, params + [("_offset", str(offset + count))]))
    if offset > 0:
        links.append(_link("previous", url, params + [("_offset", str(max(0, offset - count)))]))
    bundle = {"resourceType": "Bundle", "type": "history", "total": total, "link": links}
    if entries:
        bundle["entry"] = [_history_entry(base_url, e) for e in entries]
    return bundle
