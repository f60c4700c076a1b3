"""ARCHITECTURE.md stays true: every app is built from the listed module kinds, templates
include only their own layer or below, and every top-level service opens its transaction.

The layers themselves are checked by import-linter (`lint-imports`, run by `make test`).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mesotrace"
ARCHITECTURE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
NAMES = re.compile(r"`([a-z_]+)/?`")
TEMPLATE_TAG = re.compile(r"""\{%\s*(?:include|extends)\s+["']([^"']+)["']""")


def _section(title: str) -> str:
    start = ARCHITECTURE.index(title)
    end = ARCHITECTURE.find("\n## ", start + 1)
    return ARCHITECTURE[start : end if end > 0 else None]


def _table_rows(text: str) -> list[list[str]]:
    rows = [line.strip().strip("|").split("|") for line in text.splitlines()]
    return [[cell.strip() for cell in row] for row in rows if len(row) > 1 and "---" not in row[0]]


def _kinds() -> tuple[set[str], dict[str, set[str]], set[str]]:
    """Module kinds for every app, kinds owned by some apps, and core's modules."""
    skeleton = _section("## The app skeleton")
    general_table, rest = skeleton.split("Kinds only some apps have:")
    general = {name for row in _table_rows(general_table) for name in NAMES.findall(row[0])}
    owned_table, core_text = rest.split("`core` is the toolbox")
    owned: dict[str, set[str]] = {}
    for row in _table_rows(owned_table):
        for kind in NAMES.findall(row[0]):
            for app in row[1].split(","):
                owned.setdefault(app.strip(), set()).add(kind)
    core = set(NAMES.findall(core_text.split("\n\n")[0]))
    return general, owned, core


def _apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists())


def _modules(app: str) -> list[str]:
    found = []
    for path in (PACKAGE / app).iterdir():
        if path.name in {"__init__.py", "__pycache__"}:
            continue
        if path.suffix == ".py" or (path.is_dir() and path.name != "__pycache__"):
            found.append(path.stem if path.suffix == ".py" else path.name)
    return sorted(found)


@pytest.mark.parametrize("app", _apps())
def test_every_module_of_an_app_is_a_listed_kind(app: str) -> None:
    general, owned, core = _kinds()
    allowed = core if app == "core" else general | owned.get(app, set())
    if app == "demo":
        allowed = allowed | set(_apps())  # one module per app the demo fills
    unlisted = [name for name in _modules(app) if name not in allowed]
    assert not unlisted, f"{app} has module kinds ARCHITECTURE.md does not list: {unlisted}"


def test_the_skeleton_lists_the_kinds_the_issue_names() -> None:
    general, _owned, _core = _kinds()
    assert {"services", "queries", "schemas", "views", "api", "forms"} <= general


def _layer_of() -> dict[str, int]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    rank: dict[str, int] = {}
    for height, line in enumerate(reversed(layers)):
        for module in line.split("|"):
            rank[module.strip().removeprefix("mesotrace.")] = height
    return rank


def _template_owner(name: str, rank: dict[str, int]) -> str:
    """The app a template belongs to; the page shell (no folder) sits at core's level."""
    folder = name.split("/", 1)[0] if "/" in name else "core"
    return folder if folder in rank else "core"


def test_templates_include_only_their_own_layer_or_below() -> None:
    rank = _layer_of()
    upward = []
    for template in PACKAGE.glob("**/templates/**/*.html"):
        parts = template.relative_to(PACKAGE).parts
        owner = parts[0] if parts[0] in rank else "core"
        for used in TEMPLATE_TAG.findall(template.read_text(encoding="utf-8")):
            if rank[_template_owner(used, rank)] > rank[owner]:
                upward.append(f"{template.relative_to(ROOT)} -> {used}")
    assert not upward, "templates reaching a higher layer:\n" + "\n".join(upward)


def _service_files() -> list[Path]:
    found = [*PACKAGE.glob("*/services.py"), *PACKAGE.glob("*/services/*.py")]
    # The audit trail's writers compose inside the transaction of the change they record.
    return sorted(path for path in found if path.parts[-2] != "audit")


def _is_atomic(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if ast.unparse(target) in {"transaction.atomic", "atomic"}:
            return True
    return False


def test_every_top_level_service_opens_its_transaction() -> None:
    missing = []
    for path in _service_files():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            first = node.args.args[0].arg if node.args.args else ""
            if first == "actor" and not _is_atomic(node):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not missing, "top-level services without transaction.atomic:\n" + "\n".join(missing)
