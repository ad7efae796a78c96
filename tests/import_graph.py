"""The import graph of the service's modules and its cycles, for tests/test_layering.py.

An edge a -> b for every import statement in a (function-local ones too) that names module b: relative
imports are resolved, and `from pkg import name` means the submodule pkg.name when there is one, else pkg.
"""
import ast


def module_paths(root, packages):
    """{dotted module name: path} of every .py file under the packages (a package is its __init__.py)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def import_graph(root, packages):
    """{module: set of the modules it imports}, restricted to the packages' own modules."""
    modules = module_paths(root, packages)
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = (_known(modules, t) for t in imported_names(ast.parse(path.read_text(encoding="utf-8")), package))
        graph[name] = {t for t in targets if t and t != name}
    return graph


def imported_names(tree, package):
    """The dotted names each import statement of the module reaches (`from a import b` gives a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x, from ..y import z: relative to the importing module's package
                anchor = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _known(modules, name):
    """The longest prefix of `name` that is one of our modules (pkg.func -> pkg), or None."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_cycles(graph):
    """Each strongly connected set of more than one module, sorted: the modules that import one another
    (directly or through others)."""
    reachable = {module: _reachable(graph, module) for module in graph}
    cycles = {frozenset({module, *(other for other in reachable[module] if module in reachable[other])})
              for module in graph}
    return sorted(sorted(cycle) for cycle in cycles if len(cycle) > 1)


def _reachable(graph, start):
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen
