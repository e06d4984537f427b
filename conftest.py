"""pytest configuration at the root: every ```python block of README.md and docs/*.md runs as a test.

Sybil (a documentation-testing plugin) collects each Markdown file as one test module: its
Python blocks run in order in one namespace, so a block can use what an earlier one defined,
and an ``assert`` in a block is a claim of the prose that the suite checks.  Blocks marked
```text or ```bash are shown, not run.

`make test` runs the suite on both cores with pytest-xdist, ``-n 2 --dist loadgroup``: the
blocks of one Markdown file share a namespace, so each file goes to one worker as a group, in
order; every other test goes to whichever worker is free, the ones marked ``slow`` first.
(``--dist loadfile`` and ``loadscope`` keep a file together too; ``-n`` alone, which means
``--dist load``, and ``--dist worksteal`` would split it, and are refused.)  The tests that
make a torch optimizer form the group "torch-optimizers": torch imports torch._dynamo (about
a second) at the first one, and this way only one worker does.
"""
import pytest
from sybil import Sybil
from sybil.integration.pytest import SybilItem
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

pytest_collect_file = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()], patterns=["README.md", "docs/*.md"]).pytest()


def _robust_traceback_filter(self, excinfo):
    """Sybil 10's filter indexes past the end of a traceback cut at its own frames (a pytest 9 mismatch)."""
    return excinfo.traceback


SybilItem._traceback_filter = _robust_traceback_filter


def pytest_configure(config):
    if getattr(config.option, "dist", "no") in ("load", "worksteal"):
        raise pytest.UsageError(f"--dist {config.option.dist} would split a Markdown file's code blocks (one "
                                "namespace, in order) across workers: add --dist loadgroup, as `make test` does")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist: each Markdown file one group, and the slow tests handed out first.

    Handed out in collection order, a long test near the end keeps one worker busy while the
    other has finished; first, it runs while the other worker works through short ones.
    """
    if not hasattr(config, "workerinput"):
        return
    if getattr(config.option, "loadgroup", False):  # pytest-xdist sets it in the workers of --dist loadgroup
        for item in items:
            if isinstance(item, SybilItem):
                item.add_marker(pytest.mark.xdist_group(str(item.path.relative_to(config.rootpath))))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: the rest keep their order
