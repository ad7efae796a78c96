"""Derived FHIR views: resources a domain maintains from its own tables, its source of truth.

A domain registers at start-up which resources it derives (a whole type, or the ones its `match`
picks out: an id prefix, an identifier system its sync writes) and the app-API path that changes
their source. records.api then refuses to create, update or delete such a resource for anyone but
`core.auth.SYSTEM`, unless the call says it is that domain writing its own view (`maintainer=`,
which the FHIR REST layer never passes): a FHIR client, an administrator included, cannot make a
view disagree with its source of truth. Reads and searches are unchanged. A refusal is an
AccessDenied (403 OperationOutcome, audited as denied) whose message names the app-API path.
No imports of the domains: they call `register_view` (see clinic.fhir_views.sync, pharmacy.fhir_sync).
"""
from dataclasses import dataclass
from typing import Callable

from records.access import AccessDenied


@dataclass(frozen=True)
class DerivedView:
    """One domain's claim on the resources of a type it derives from its tables."""

    resource_type: str
    maintainer: str  # the domain that writes it ("clinic", "pharmacy"), named by its own writes
    path: str  # the app-API path that changes the source of truth
    match: Callable | None = None  # (resource_id, resource or None) -> bool; None: the whole type

    def covers(self, resource_id, resource):
        """True when this view claims the resource (`resource` None: judged by its id alone)."""
        return self.match is None or bool(self.match(resource_id, resource))


_VIEWS: dict[tuple[str, str], DerivedView] = {}


def register_view(resource_type, *, maintainer, path, match=None):
    """Declare that `maintainer` derives `resource_type` resources (those `match` picks, or all);
    registering again for the same type and maintainer replaces the rule (idempotent)."""
    _VIEWS[resource_type, maintainer] = DerivedView(resource_type, maintainer, path, match)


def registered():
    """Every registered view (for documentation and tests)."""
    return list(_VIEWS.values())


def id_prefix(*prefixes):
    """Match resources whose id starts with one of `prefixes` (ids the sync derives from row ids)."""
    return lambda resource_id, resource: bool(resource_id) and str(resource_id).startswith(prefixes)


def identifier_system(system):
    """Match resources carrying an identifier (or groupIdentifier) of `system`, which the sync writes."""
    def match(resource_id, resource):
        if not isinstance(resource, dict):
            return False
        found = resource.get("identifier")
        found = list(found) if isinstance(found, list) else [found]
        found.append(resource.get("groupIdentifier"))
        return any(isinstance(i, dict) and i.get("system") == system for i in found)
    return match


def any_of(*matches):
    """Match what any of `matches` matches."""
    return lambda resource_id, resource: any(m(resource_id, resource) for m in matches)


def view_of(resource_type, resource_id, resource=None):
    """The registered view that claims the resource, or None."""
    for view in _VIEWS.values():
        if view.resource_type == resource_type and view.covers(resource_id, resource):
            return view
    return None


def check_not_derived(actor, resource_type, resource_id, *contents, maintainer=None):
    """Raise AccessDenied when writing `resource_type/resource_id` (stored and new `contents`) would
    change a derived view, unless the actor is the system or `maintainer` is the view's own domain."""
    if getattr(actor, "role", None) == "system":
        return
    for content in (None, *contents):
        view = view_of(resource_type, resource_id, content)
        if view is not None and view.maintainer != maintainer:
            what = f"{resource_type}/{resource_id}" if resource_id else f"This {resource_type}"
            raise AccessDenied(f"{what} is derived from the {view.maintainer}'s records and cannot be written "
                               f"over FHIR; change it through the app API: {view.path}.")
