"""CuPy 13's top-level namespace, as data: the names ``cupy13_namespace.txt`` lists, and how they were derived.

The strict stand-in (``strict_device.py``) hands out only these names, and
``test_cupy_namespace.py`` checks that the package takes no other from an array module.
"""
from __future__ import annotations

import ast
from pathlib import Path

NAMESPACE_FILE = Path(__file__).with_name("cupy13_namespace.txt")
CUPY13 = frozenset(line.strip() for line in NAMESPACE_FILE.read_text().splitlines()
                   if line.strip() and not line.startswith("#"))


def namespace_from_source(source: str) -> list[str]:
    """The public names a module's source binds at top level (imports, defs, assignments, if/try bodies)."""
    names: set = set()

    def visit(body):
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(getattr(node, "orelse", []))
    visit(ast.parse(source).body)
    return sorted(n for n in names if not n.startswith("_"))
