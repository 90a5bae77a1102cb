"""The dashboard's JavaScript client is generated from the API's OpenAPI schema and committed up to date."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_client", ROOT / "scripts" / "generate_client.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerating_the_client_gives_the_committed_file() -> None:
    generator = _generator()
    schema = generator.app_schema()
    fresh = generator.render_client(schema)
    committed = generator.CLIENT_FILE.read_text(encoding="utf-8")
    assert fresh == committed, "run `python scripts/generate_client.py` and commit static/js/api-client.js"
    operations = [op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)]
    assert fresh.count("export function ") == len(operations) + 1  # one per operationId, plus route()


def test_every_route_the_pages_call_is_in_the_client() -> None:
    client = (ROOT / "src/ruralmig/dashboard/static/js/api-client.js").read_text(encoding="utf-8")
    pages = (ROOT / "src/ruralmig/dashboard/static/js").rglob("*.js")
    used = {m for page in pages for m in re.findall(r'route\("([A-Z]+ /api/[^"]+)"\)', page.read_text())}
    assert used, "the pages call no route"
    missing = sorted(key for key in used if f'"{key}":' not in client)
    assert missing == []
