"""Stock levels of a pharmacy: read, and bulk update by JSON or CSV, validated whole before anything changes."""
import csv
import io

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import record_access
from core.errors import ApiError
from core.extensions import db
from pharmacy import catalogue
from pharmacy.models import Pharmacy, Stock

CSV_COLUMNS = ("code", "system", "name", "form", "strength", "on_hand")
MAX_ROWS = 5000


def _problem(errors):
    return ApiError(422, "validation_error", "The stock update was refused; nothing was changed.",
                    title="Request validation failed", errors=errors)


def load_pharmacy(actor, pharmacy_id, action="read"):
    """The pharmacy if the actor is its pharmacist or an admin (404 otherwise, audited as denied when it exists)."""
    pharmacy = db.session.get(Pharmacy, pharmacy_id)
    allowed = actor.is_admin or (actor.role == "pharmacist" and actor.pharmacy_id == pharmacy_id)
    if pharmacy is None:
        raise ApiError(404, "not_found", "No such pharmacy.")
    if not allowed:
        record_access(actor, action, f"Pharmacy/{pharmacy.id}", outcome="denied",
                      detail={"reason": "not a pharmacist of this pharmacy", "view": "stock"})
        raise ApiError(404, "not_found", "No such pharmacy.")
    return pharmacy


def list_stock(pharmacy_id):
    """Every stock row of a pharmacy, by code."""
    return db.session.scalars(select(Stock).where(Stock.pharmacy_id == pharmacy_id)
                              .order_by(Stock.system, Stock.code)).all()


def parse_csv(text):
    """Rows of a CSV with a header naming at least code and on_hand (system defaults to ATC)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"code", "on_hand"} <= {f.strip() for f in reader.fieldnames}:
        raise _problem([{"field": "csv", "message": "the header must name code and on_hand"}])
    rows = []
    for n, raw in enumerate(reader):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k and k.strip() in CSV_COLUMNS}
        try:
            row["on_hand"] = int(row.get("on_hand", ""))
        except ValueError:
            row["on_hand"] = None
        rows.append({k: v for k, v in row.items() if v != ""} | {"line": n + 2})
    return rows


def _validated(rows, existing):
    errors, seen, clean = [], set(), []
    if len(rows) > MAX_ROWS:
        raise _problem([{"field": "items", "message": f"at most {MAX_ROWS} rows per update"}])
    for n, row in enumerate(rows):
        where = f"items[{n}]" if "line" not in row else f"line {row['line']}"
        code = str(row.get("code") or "").strip().upper()
        system = row.get("system") or catalogue.ATC
        entry = catalogue.lookup(code, system)
        on_hand = row.get("on_hand")
        if not code or len(code) > 32:
            errors.append({"field": f"{where}.code", "message": "is required (at most 32 characters)"})
        elif (system, code) in seen:
            errors.append({"field": f"{where}.code", "message": f"{code} is listed twice"})
        if not isinstance(on_hand, int) or isinstance(on_hand, bool) or not 0 <= on_hand <= 10_000_000:
            errors.append({"field": f"{where}.on_hand", "message": "must be a whole number from 0 to 10000000"})
        elif (system, code) in existing and on_hand < existing[(system, code)].reserved:
            errors.append({"field": f"{where}.on_hand", "message": f"below the {existing[(system, code)].reserved} "
                                                                   "units reserved for accepted orders"})
        for name, limit in (("system", 100), ("name", 200), ("form", 100), ("strength", 100)):
            if row.get(name) is not None and (not isinstance(row[name], str) or len(row[name]) > limit):
                errors.append({"field": f"{where}.{name}", "message": f"must be text of at most {limit} characters"})
        if entry is None and not row.get("name") and (system, code) not in existing:
            errors.append({"field": f"{where}.name", "message": f"{code} is not in the catalogue: give its name"})
        seen.add((system, code))
        clean.append({"system": system, "code": code, "on_hand": on_hand,
                      "name": row.get("name") or (entry and entry["name"]), "form": row.get("form") or (entry and entry["form"]),
                      "strength": row.get("strength") or (entry and entry["strength"])})
    if errors:
        raise _problem(errors)
    return clean


def update_stock(pharmacy_id, rows):
    """Set on_hand for every listed medication (creating rows as needed); all or nothing. Unlisted rows stay."""
    existing = {(s.system, s.code): s for s in list_stock(pharmacy_id)}
    now = clock.now()
    for row in sorted(_validated(rows, existing), key=lambda r: (r["system"], r["code"])):  # the shared lock order
        current = existing.get((row["system"], row["code"]))
        if current is None:
            db.session.add(Stock(pharmacy_id=pharmacy_id, system=row["system"], code=row["code"], name=row["name"],
                                 form=row["form"], strength=row["strength"], on_hand=row["on_hand"], reserved=0,
                                 updated_at=now))
            continue
        # Conditional: an order accepted since we read must not be left reserving more than is on hand.
        changed = db.session.execute(update(Stock).where(Stock.id == current.id, Stock.reserved <= row["on_hand"])
                                     .values(on_hand=row["on_hand"], updated_at=now,
                                             name=row["name"] or current.name, form=row["form"] or current.form,
                                             strength=row["strength"] or current.strength)
                                     .execution_options(synchronize_session=False)).rowcount
        if changed != 1:
            raise ApiError(409, "stock_reserved", f"{row['code']}: more units were reserved meanwhile; nothing was changed.")
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent update created the same new row first
        raise ApiError(409, "conflict", "The stock changed meanwhile; nothing was changed. Try again.") from None
    db.session.expire_all()
    return list_stock(pharmacy_id)
