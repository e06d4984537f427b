"""Every function the package takes from an array module exists in CuPy 13 (the oldest CuPy pyproject allows).

A static scan of tinygrad_rnn/**/*.py.  An *array-module expression* is a
name bound to one (``xp``, or any name assigned from ``array_module(...)``,
``module_for(...)``, ``backend.module_for(...)``, ``_import_cupy()``) or such a
call itself.  Checked: every ``<array-module expression>.name``, and every
``np.name`` inside a function that also uses an array module (a function that
handles device data: ``np.`` there must also be a name CuPy has, or it is a
host-only branch that the runtime tests on the stand-in cover).  The names are
the ones in ``cupy13_namespace.txt`` (derived from CuPy's v13.0.0 ``__init__.py``).
"""
import ast
from pathlib import Path

import tinygrad_rnn

from .cupy13 import CUPY13

PACKAGE = Path(tinygrad_rnn.__file__).parent
MODULE_CALLS = {"array_module", "module_for", "_import_cupy"}


def _is_module_call(node) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Name) and f.id in MODULE_CALLS) or (isinstance(f, ast.Attribute) and f.attr in
                                                                  MODULE_CALLS)


def array_module_names(tree) -> set:
    """``xp`` and every name assigned from an array-module call anywhere in the file."""
    names = {"xp"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_module_call(node.value):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def taken_from_array_modules(source: str) -> list[tuple[int, str, str]]:
    """(line, expression, name) for each attribute taken from an array module (and np. in device functions)."""
    tree = ast.parse(source)
    modules = array_module_names(tree)
    found = []
    for fn in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda))] + [tree]:
        body = list(ast.walk(fn))
        device_function = not isinstance(fn, ast.Module) and any(
            _is_module_call(n) or (isinstance(n, ast.Name) and n.id in modules) for n in body)
        for node in body:
            if not isinstance(node, ast.Attribute):
                continue
            v = node.value
            if (isinstance(v, ast.Name) and v.id in modules) or _is_module_call(v):
                found.append((node.lineno, ast.unparse(v), node.attr))
            elif device_function and isinstance(v, ast.Name) and v.id == "np":
                found.append((node.lineno, "np", node.attr))
    return sorted(set(found))


def test_the_scan_finds_what_it_should():
    src = ("def f(x):\n    xp = array_module(x)\n    xp.put_along_axis(x)\n    np.put_along_axis(x)\n"
           "    backend.module_for('cuda').asarray(x)\n\ndef host():\n    np.put_along_axis(1)\n")
    assert [(line, name) for line, _, name in taken_from_array_modules(src)] == [
        (3, "put_along_axis"), (4, "put_along_axis"), (5, "asarray")]


def test_every_array_module_function_in_the_package_is_in_cupy_13():
    outside = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, expr, name in taken_from_array_modules(path.read_text()):
            if name not in CUPY13:
                outside.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {expr}.{name}")
    assert not outside, "not in CuPy 13's namespace (tests/cupy13_namespace.txt):\n" + "\n".join(outside)
