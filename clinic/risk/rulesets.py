"""Rule-set versions: the active one, publishing a new one (validated before it takes effect)."""
import json

from sqlalchemy import select

from clinic.risk.engine import RuleSetError, default_ruleset, load_ruleset
from clinic.risk.engine.ruleset import default_ruleset_data
from clinic.risk.models import RuleSetVersion
from core.errors import ApiError
from core.extensions import db

_loaded = {}  # version -> RuleSet; published versions never change, so caching is safe


def active_version_row():
    """The newest published rule-set row, or None when nothing was published yet."""
    return db.session.scalar(select(RuleSetVersion).order_by(RuleSetVersion.id.desc()).limit(1))


def active_ruleset():
    """The rule set in force: the newest published version, else the one shipped in the package."""
    row = active_version_row()
    if row is None:
        return default_ruleset()
    if row.version not in _loaded:
        _loaded[row.version] = load_ruleset(json.loads(row.data))
    return _loaded[row.version]


def active_ruleset_document():
    """The active rule set as data (what GET /risk/rules shows)."""
    row = active_version_row()
    if row is not None:
        return json.loads(row.data), row
    return default_ruleset_data(), None


def version_rows(page):
    """Every published version, newest first (one page of them)."""
    return page.rows(select(RuleSetVersion).order_by(RuleSetVersion.id.desc()))


def version_document(row):
    """A published version as GET /risk/rules/versions shows it: the rule set and when and by whom published."""
    return {**json.loads(row.data), "source": "published", "published_at": row.published_at.isoformat(),
            "published_by": row.published_by}


def publish_ruleset(actor, data):
    """Validate and publish a new rule-set version; the active one stays if anything is wrong."""
    try:
        ruleset = load_ruleset(data)
    except RuleSetError as exc:
        raise ApiError(422, "invalid_ruleset", "The rule set is invalid; nothing was published.",
                       title="Invalid rule set", errors=[{"field": None, "message": e} for e in exc.errors]) from None
    if db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.version == ruleset.version)):
        raise ApiError(409, "ruleset_version_exists", f"Version {ruleset.version} was already published; "
                       "publish changes under a new version.")
    row = RuleSetVersion(version=ruleset.version, data=json.dumps(data, default=str, ensure_ascii=False),
                         published_by=getattr(actor, "user_id", None))
    db.session.add(row)
    db.session.flush()
    _loaded[ruleset.version] = ruleset
    return row


def ensure_default_published(actor=None):
    """Publish the packaged rule set if no version was ever published (seeding); idempotent."""
    if active_version_row() is None:
        return publish_ruleset(actor, default_ruleset_data())
    return None


def publish_packaged(actor=None):
    """Publish the rule set shipped in the package when its version was never published (after an upgrade
    that ships new rules); returns the new row, or None when that version is already in the history."""
    data = default_ruleset_data()
    if db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.version == str(data["version"]))):
        return None
    return publish_ruleset(actor, data)
