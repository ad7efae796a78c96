"""Searches restricted to what an actor may see: the patient scope goes into the store's SQL, the
types that _include/_revinclude may add are checked up front (records.api.search uses this)."""
import dataclasses

from records import access, store
from records.search import definitions, includes

INCLUDE_PARAMS = ("_include", "_revinclude")


def _with_resources(result, resources, included=None):
    if dataclasses.is_dataclass(result):
        changes = {"resources": resources}
        if included is not None:
            changes["included"] = included
        return dataclasses.replace(result, **changes)
    return result


def include_types(resource_type, params):
    """The resource types `_include` / `_revinclude` in `params` can add to a search of `resource_type`."""
    found = set()
    for name, value in params:
        parts = value.split(":")
        if name not in INCLUDE_PARAMS or len(parts) < 2:
            continue
        if name == "_revinclude":
            found.add(parts[0])
        elif len(parts) == 3:
            found.add(parts[2])
        else:
            param = definitions.get_param(parts[0], parts[1]) if parts[1] != "*" else None
            found.update(param.targets if param else ("*",))
    return found


def _search_shared(actor, resource_type, params, strict):
    """A directory search: the matches are for everyone, but _include/_revinclude stay in the actor's scope.

    Workaround until store.search can restrict only the included resources: run the includes here
    with the store's own resolver and the actor's patient scope (still SQL-filtered).
    """
    wanted = [(k, v) for k, v in params if k in INCLUDE_PARAMS]
    result = store.search(resource_type, [(k, v) for k, v in params if k not in INCLUDE_PARAMS], strict=strict)
    if wanted and result.resources:
        control = {name: [v for k, v in wanted if k == name] for name in INCLUDE_PARAMS}
        result.included = includes.resolve(resource_type, result.resources, control,
                                           access.include_scope(actor), result.unsupported)
    result.params = list(result.params) + wanted
    return result


def run(actor, resource_type, params, scope, strict):
    """Run the store search for `actor` limited to `scope` (None: unrestricted matches)."""
    access.check_includes(actor, include_types(resource_type, params))
    if scope is None and not access.is_unrestricted(actor):
        return _search_shared(actor, resource_type, params, strict)
    return store.search(resource_type, params, patient_ids=scope, strict=strict)


def minimised(actor, result):
    """The result with every resource reduced to what the actor may see (see access.minimise)."""
    return _with_resources(result, [access.minimise(actor, r) for r in result.resources],
                           [access.minimise(actor, r) for r in (result.included or [])])
