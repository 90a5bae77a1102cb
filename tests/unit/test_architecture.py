"""Architecture rules 1 and 2: model imports nothing else from ruralmig; engines never import storage,
ingest, scenarios or the interfaces."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "ruralmig"
ENGINES = ("index", "climate", "displacement", "flows", "survey", "remittances", "labour", "matching")
FORBIDDEN_FOR_ENGINES = ("storage", "ingest", "scenarios", "cli", "api", "dashboard", "reports", "workspace")
ALLOWED_FOR_MODEL = ("model", "errors")


def imported_ruralmig_modules(folder: Path) -> dict[str, set[str]]:
    """For each .py file under `folder`: the ruralmig subpackages it imports (first component)."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            elif isinstance(node, ast.ImportFrom) and node.level > 0:
                modules = ["ruralmig.<relative>"]
            names |= {m.split(".")[1] for m in modules if m.startswith("ruralmig.")}
        found[str(path.relative_to(PACKAGE))] = names
    return found


def test_model_imports_only_model_and_errors() -> None:
    bad = {
        file: sorted(names - set(ALLOWED_FOR_MODEL))
        for file, names in imported_ruralmig_modules(PACKAGE / "model").items()
        if names - set(ALLOWED_FOR_MODEL)
    }
    assert bad == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_does_not_import_storage_ingest_or_interfaces(engine: str) -> None:
    folder = PACKAGE / engine
    if not folder.exists():
        pytest.skip(f"engine {engine} is not written yet")
    bad = {
        file: sorted(names & set(FORBIDDEN_FOR_ENGINES))
        for file, names in imported_ruralmig_modules(folder).items()
        if names & set(FORBIDDEN_FOR_ENGINES) or "<relative>" in names
    }
    assert bad == {}


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "fake_engine"
    module.mkdir()
    (module / "run.py").write_text("from ruralmig.storage import open_store\nimport ruralmig.model\n")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path
    try:
        found = imported_ruralmig_modules(module)
    finally:
        PACKAGE = saved
    assert found == {"fake_engine/run.py": {"storage", "model"}}
