"""Compliance's periodic work (run by the scheduler leader; tests call the functions directly)."""
from compliance import push, retention
from core.auth import SYSTEM
from core.extensions import db
from core.scheduler import register_periodic


@register_periodic("compliance.push_feed", seconds=5)
def push_feed():
    """Push the supervision feed to the configured endpoints."""
    return push.push_feed()


@register_periodic("compliance.retention", seconds=86400)
def nightly_retention():
    """Remove what is past its retention period and under no hold, committing batch by batch."""
    run = retention.run_retention(SYSTEM, dry_run=False, commit_each=db.session.commit)
    return run.id
