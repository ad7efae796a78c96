"""`flask records import PATH` and `flask records export --out DIR` (bulk FHIR data in and out).

Import is idempotent: a resource with an id is written with PUT-as-create under that id (unchanged
content writes nothing); one without an id but with an urn:uuid fullUrl gets that uuid as its id;
otherwise one with an identifier is created with If-None-Exist on it; one with neither gets an
id derived from its content. Runs as the system actor
(audited), commits every --batch-size resources.
"""
import json
import uuid
from collections import Counter
from pathlib import Path

import click
from flask.cli import AppGroup

from core.auth import SYSTEM
from core.extensions import db
from records import api, store
from records.errors import FhirError
from records.fhir.capability import READ_ONLY, supported_types

records_cli = AppGroup("records", help="Import and export FHIR records.")
UUID_PREFIX = "urn:uuid:"
CONTENT_NAMESPACE = uuid.UUID("5b0c2f4e-1d7a-4f55-8d0e-6a1f3c9e2b70")
EXPORT_PAGE = 500


def _files(path):
    path = Path(path)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".json", ".ndjson") and p.is_file())
    return [path]


def _bundle_resources(bundle):
    """The resources of a Bundle, urn:uuid fullUrls turned into ids and references (deterministic)."""
    mapping = {}
    for entry in bundle.get("entry") or []:
        resource, full_url = entry.get("resource") or {}, entry.get("fullUrl") or ""
        if full_url.startswith(UUID_PREFIX) and resource.get("resourceType"):
            resource.setdefault("id", full_url[len(UUID_PREFIX):])
            mapping[full_url] = f"{resource['resourceType']}/{resource['id']}"
    text = json.dumps([e.get("resource") for e in bundle.get("entry") or [] if e.get("resource")])
    for urn, ref in mapping.items():
        text = text.replace(json.dumps(urn), json.dumps(ref))
    return json.loads(text)


def read_resources(path):
    """Every resource in a .json (Bundle or single resource) or .ndjson file."""
    if path.suffix == ".ndjson":
        with path.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("resourceType") == "Bundle" and data.get("type") in ("batch", "transaction", "collection",
                                                                     "searchset", "history"):
        return _bundle_resources(data)
    return [data]


def _same(stored, incoming):
    strip = lambda r: {k: v for k, v in r.items() if k != "meta"}  # noqa: E731
    return strip(stored) == strip(incoming)


def import_resource(resource):
    """Write one resource idempotently; return "created", "updated" or "unchanged"."""
    rtype, rid = resource.get("resourceType"), resource.get("id")
    if rid:
        try:
            stored = api.read(SYSTEM, rtype, rid)
        except FhirError as exc:
            if exc.status not in (404, 410):
                raise
            stored = None
        if stored is not None and _same(stored, store.validate_resource(resource)):
            return "unchanged"
        _, created = api.update(SYSTEM, rtype, rid, resource)
        return "created" if created else "updated"
    identifier = next((i for i in resource.get("identifier") or [] if i.get("system") and i.get("value")), None)
    if identifier:
        query = [("identifier", f"{identifier['system']}|{identifier['value']}")]
        _, created = api.conditional_create(SYSTEM, resource, query)
        return "created" if created else "unchanged"
    # No id, no identifier: a content-derived id still makes a re-run a no-op.
    return import_resource({**resource, "id": content_id(resource)})


def content_id(resource):
    """A deterministic id for a resource that has none (uuid5 of its canonical JSON)."""
    return uuid.uuid5(CONTENT_NAMESPACE, json.dumps(resource, sort_keys=True, ensure_ascii=False)).hex


@records_cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--batch-size", default=200, show_default=True, help="Resources per commit.")
def import_command(path, batch_size):
    """Import FHIR Bundles, NDJSON files or a folder of them (re-running imports nothing twice)."""
    resources, counts, errors = [], Counter(), []
    for file in _files(path):
        try:
            resources += read_resources(file)
        except (ValueError, OSError) as exc:
            counts["failed"] += 1
            errors.append(f"{file}: {exc}")
    with click.progressbar(resources, label="Importing", show_pos=True) as bar:
        for done, resource in enumerate(bar, start=1):
            savepoint = db.session.begin_nested()
            try:
                counts[import_resource(resource)] += 1
                savepoint.commit()
            except FhirError as exc:
                savepoint.rollback()
                counts["failed"] += 1
                errors.append(f"{resource.get('resourceType')}/{resource.get('id', '?')}: {exc.diagnostics}")
            if done % batch_size == 0:
                db.session.commit()
    db.session.commit()
    for line in errors[:20]:
        click.echo(f"failed: {line}", err=True)
    click.echo(" ".join(f"{k}={counts[k]}" for k in ("created", "updated", "unchanged", "failed")))
    if counts["failed"]:
        raise SystemExit(1)


@records_cli.command("export")
@click.option("--type", "types", multiple=True, help="Resource type to export (repeatable); default all.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for one NDJSON file per type.")
def export_command(types, out):
    """Export resources as NDJSON, one file per type (Type.ndjson)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = types or sorted(supported_types() - READ_ONLY)
    for rtype in wanted:
        written, cursor = 0, None
        with (out / f"{rtype}.ndjson").open("w", encoding="utf-8") as target:
            while True:
                params = [("_count", str(EXPORT_PAGE))] + ([("_cursor", cursor)] if cursor else [])
                result = api.search(SYSTEM, rtype, params)
                for resource in result.resources:
                    target.write(json.dumps(resource, ensure_ascii=False) + "\n")
                    written += 1
                cursor = result.next_cursor
                if not cursor:
                    break
        db.session.commit()  # the audit entries of the export
        click.echo(f"{rtype}: {written}")
