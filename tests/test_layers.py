"""The package's import structure: the layer contracts hold, and no module is part of an import cycle."""
import pathlib
import shutil
import subprocess

import pytest

grimp = pytest.importorskip("grimp", reason="the import graph needs grimp (installed with import-linter, a dev extra)")
ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_no_module_of_the_package_is_part_of_an_import_cycle():
    graph = grimp.build_graph("tinygrad_rnn")
    cycles = sorted((m, i) for m in graph.modules for i in graph.find_modules_directly_imported_by(m)
                    if graph.chain_exists(importer=i, imported=m))
    assert not cycles, f"import cycles through these direct imports: {cycles}"


def test_the_layer_contracts_hold():
    if shutil.which("lint-imports") is None:
        pytest.skip("lint-imports is not installed (pip install import-linter, a dev extra)")
    run = subprocess.run(["lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "0 broken" in run.stdout
