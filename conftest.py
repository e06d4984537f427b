"""pytest configuration at the root: every ```python block of README.md and docs/*.md runs as a test.

Sybil (a documentation-testing plugin) collects each Markdown file as one test module: its
Python blocks run in order in one namespace, so a block can use what an earlier one defined,
and an ``assert`` in a block is a claim of the prose that the suite checks.  Blocks marked
```text or ```bash are shown, not run.
"""
from sybil import Sybil
from sybil.integration.pytest import SybilItem
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

pytest_collect_file = Sybil(parsers=[PythonCodeBlockParser(), SkipParser()], patterns=["README.md", "docs/*.md"]).pytest()


def _robust_traceback_filter(self, excinfo):
    """Sybil 10's filter indexes past the end of a traceback cut at its own frames (a pytest 9 mismatch)."""
    return excinfo.traceback


SybilItem._traceback_filter = _robust_traceback_filter
