"""Uploads: a file streamed to a temporary folder under a size cap, then ingested atomically."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse

from ruralmig.api import audit
from ruralmig.api.auth import Principal
from ruralmig.api.deps import State, rate_limited
from ruralmig.api.routes.system import uploadable
from ruralmig.api.schemas import UploadResult, ValidationFailure
from ruralmig.errors import InputError
from ruralmig.model import TABLES

router = APIRouter(tags=["data"])
Analyst = Annotated[Principal, Depends(rate_limited("analyst"))]

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls", ".parquet", ".geojson", ".json", ".geoparquet")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()\-]{0,150}$")
_CHUNK = 1 << 20


def safe_file_name(given: str | None) -> str:
    """The upload's file name if it is a plain name; otherwise 400 naming the reason."""
    name = unicodedata.normalize("NFC", given or "")
    if not name:
        raise HTTPException(400, "file: the upload has no file name")
    if "/" in name or "\\" in name or name in (".", "..") or ".." in name:
        raise HTTPException(400, f"file: the name {name[:80]!r} holds a path (/, \\ or ..); send a plain file name")
    if "\x00" in name or not _SAFE_NAME.match(name):
        raise HTTPException(400, "file: the name may hold letters, digits, spaces and _ . ( ) - only")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise HTTPException(400, f"file: the type must be one of {', '.join(SUFFIXES)}")
    return name


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"file: larger than the limit of {limit:,} bytes")


@router.post(
    "/uploads",
    response_model=UploadResult,
    responses={422: {"model": ValidationFailure}, 413: {"description": "Over the size limit"}},
)
def upload(
    state: State,
    analyst: Analyst,
    file: UploadFile,
    table: Annotated[str, Form(pattern=r"^[a-z_]{1,40}$")],
    mode: Annotated[str, Form(pattern=r"^(append|upsert|replace)$")] = "append",
) -> Any:
    """Load a file (CSV, XLSX, Parquet, GeoJSON, HXL-tagged CSV) into a table; 422 lists every problem found."""
    limit = state.settings.upload_max_bytes
    target = {"table": table, "mode": mode}
    if table not in TABLES or not uploadable(table):
        with state.lock:
            audit.record(state.store, analyst, "upload", target=table, status=403, detail=target)
        raise HTTPException(403, f"table: {table!r} does not take uploads through the API")
    name = safe_file_name(file.filename)
    declared = file.size
    if declared is not None and declared > limit:
        raise _too_large(limit)
    with tempfile.TemporaryDirectory(prefix="ruralmig-upload-") as folder:
        path = Path(folder) / name
        written = 0
        with path.open("wb") as handle:
            while chunk := file.file.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    with state.lock:
                        audit.record(state.store, analyst, "upload", target=table, status=413, detail=target)
                    raise _too_large(limit)
                handle.write(chunk)
        detail = {**target, "file": name, "bytes": written}
        with state.lock:
            try:
                result = state.workspace.ingest(table, path, mode=mode)  # type: ignore[arg-type]
            except InputError as error:
                audit.record(
                    state.store, analyst, "upload", target=table, status=422, detail={**detail, "issues": error.total}
                )
                issues = [
                    {"file": i.file, "row": i.row, "column": i.column, "value": i.value, "reason": i.reason}
                    for i in error.issues[:1000]
                ]
                return JSONResponse({"detail": str(error).splitlines()[0], "issues": issues, "total": error.total}, 422)
            audit.record(
                state.store, analyst, "upload", target=table, status=200, detail={**detail, "rows": result.rows}
            )
        state.changed()
    return {"table": table, "rows": result.rows, "ingest_id": result.ingest_id}
