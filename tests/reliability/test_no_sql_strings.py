"""No SQL built from strings: every statement is a SQLAlchemy construct or a constant string with bound
parameters. The test parses every module and fails on a `text(...)`, `.execute(...)`,
`.exec_driver_sql(...)`, `literal_column(...)` or `op.execute(...)` whose SQL argument is assembled
(an f-string, `%` / `+` on strings, `.format`, `.join`), unless the place is allow-listed here with the
reason it is safe."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "clinic", "pharmacy", "records", "seeds", "bench", "cloud_hospital")
SQL_CALLS = {"text", "execute", "exec_driver_sql", "literal_column", "executescript"}
# (path, function) -> why the assembled string cannot carry input.
ALLOWED = {
    ("bench/_common.py", "empty_records"): "table names from a constant tuple in the same function",
    ("bench/load.py", "_recreate"): "DDL (no bound parameters possible); the name is the bench's own scratch database",
    ("bench/booking_bench.py", "_recreate_database"): "DDL (no bound parameters possible); name is a constant",
    ("bench/http_bench.py", "_recreate_database"): "DDL (no bound parameters possible); name is a constant",
    ("bench/profile_bundle.py", "_recreate_database"): "DDL (no bound parameters possible); name is a constant",
    ("bench/records_search.py", "_server_times"): "EXPLAIN of a statement SQLAlchemy compiled, parameters bound",
    ("bench/search_scale.py", "_ensure_database"): "DDL (no bound parameters possible); the name quoted by "
                                                   "psycopg.sql.Identifier",
    ("bench/routing_bench.py", "_scratch_database"): "DDL; the name is made of a constant and uuid4 hex",
    ("bench/routing_bench.py", "_drop"): "DDL; the name comes from _scratch_database",
    ("bench/socket_bench.py", "seed"): "table names from a constant tuple in the same function",
}


def _assembled(node):
    """True when `node` builds a string at run time."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return _assembled(node.left) or _assembled(node.right) or any(
            isinstance(side, (ast.Constant, ast.JoinedStr)) and isinstance(getattr(side, "value", ""), str)
            for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join") and (
            isinstance(node.func.value, (ast.Constant, ast.JoinedStr)) or node.func.attr == "format")
    return False


def _call_name(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def sql_built_from_strings(source, path):
    """[(path, function, line)] of SQL calls whose first argument is assembled."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if isinstance(child, ast.Call) and _call_name(child) in SQL_CALLS and child.args \
                    and _assembled(child.args[0]):
                found.append((path, function, child.lineno))
            visit(child, name)

    visit(ast.parse(source), "<module>")
    return found


def _modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))
    yield ROOT / "wsgi.py"


def test_no_sql_is_built_from_strings():
    found = [hit for path in _modules()
             for hit in sql_built_from_strings(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    unexplained = [hit for hit in found if hit[:2] not in ALLOWED]
    assert not unexplained, f"SQL assembled from strings (bind parameters, or allow-list with a reason): {unexplained}"
    stale = set(ALLOWED) - {hit[:2] for hit in found}
    assert not stale, f"allow-list entries that no longer match anything: {stale}"


def test_the_check_catches_the_usual_shapes():
    bad = '''
def f(conn, name, table):
    conn.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    conn.execute("DELETE FROM %s" % table)
    conn.exec_driver_sql("SELECT " + name)
    db.session.execute(text("SELECT {}".format(name)))
'''
    good = '''
def g(conn, name):
    conn.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
    conn.execute(select(User).where(User.name == name))
    conn.exec_driver_sql("BEGIN IMMEDIATE")
'''
    assert [line for _, _, line in sql_built_from_strings(bad, "bad.py")] == [3, 4, 5, 6]
    assert sql_built_from_strings(good, "good.py") == []
