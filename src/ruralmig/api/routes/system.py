"""Health, the caller, the workspace's tables and provenance."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from ruralmig.api.deps import Caller, State
from ruralmig.api.schemas import Health, Me, ProvenanceEntry, TableInfo
from ruralmig.model import TABLES
from ruralmig.scenarios import queries

router = APIRouter(tags=["system"])


def uploadable(name: str) -> bool:
    """Tables a file may be uploaded into: ingestible and holding no microdata."""
    table = TABLES[name]
    return not table.system and not table.sensitive and table.family != "survey"


@router.get("/health", response_model=Health)
def health(state: State) -> Health:
    """Liveness and the workspace served; needs no key."""
    from ruralmig import __version__

    with state.lock:
        version = state.workspace.schema_version
    return Health(status="ok", version=__version__, workspace=state.workspace.backend, schema_version=version)


@router.get("/me", response_model=Me)
async def me(caller: Caller) -> Me:
    return Me(key_id=caller.key_id, role=caller.role, grants=caller.grants)  # type: ignore[arg-type]


@router.get("/tables", response_model=list[TableInfo])
async def tables(state: State, caller: Caller) -> Response:
    """Every canonical table with its row count; microdata tables show counts only."""

    def compute() -> list[dict[str, object]]:
        with state.lock:  # counts go through the main connection
            frame = state.workspace.tables()
        records: list[dict[str, object]] = frame.to_dict("records")  # type: ignore[assignment]
        for record in records:
            name = str(record["table"])
            record["sensitive"] = TABLES[name].sensitive
            record["uploadable"] = uploadable(name)
        return records

    return await state.respond(("tables",), compute)


@router.get("/provenance", response_model=list[ProvenanceEntry])
async def provenance(state: State, caller: Caller, limit: int = Query(500, ge=1, le=5000)) -> Response:
    """The ingest log: file, SHA-256, rows and times, newest first."""
    return await state.respond(("provenance", limit), lambda: queries.provenance(state.reader, limit=limit))
