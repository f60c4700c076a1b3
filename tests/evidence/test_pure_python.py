"""The evidence engine is pure Python: it imports neither Django nor statsmodels (its
reference), so notebooks and benchmarks can use it without the web application."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import mesotrace.evidence

PACKAGE = Path(mesotrace.evidence.__file__).parent
ROOT = PACKAGE.parent.parent

PROBE = """
import sys
assert "django" not in sys.modules, "django was imported before the engine"
import mesotrace.evidence as evidence
data = evidence.simulate_split_body(12, -1.0, -2.0, 1.0, 4.0, 0.0, visits=3, seed=1)
evidence.split_body_visits(data)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("django", "statsmodels"))
print(",".join(loaded))
"""


def test_engine_imports_and_runs_without_django_or_statsmodels() -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603  (our own interpreter and fixed probe)
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=environment, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"the engine loaded: {done.stdout.strip()}"


def test_no_module_of_the_engine_names_django_or_statsmodels() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("django", "statsmodels"), f"{path.name}: {name}"
