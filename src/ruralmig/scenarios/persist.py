"""Store an engine run: one `results` row (parameters, seed, inputs hash, version) and its tidy tables."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa

from ruralmig.model import get_table
from ruralmig.storage import Store

__all__ = ["save_run"]


def save_run(
    store: Store,
    *,
    engine: str,
    parameters: Mapping[str, Any],
    seed: int | None,
    inputs_hash: str,
    tables: Mapping[str, pd.DataFrame],
    run_id: str | None = None,
) -> str:
    """Write the run and its result tables in one transaction; return the run id."""
    from ruralmig import __version__

    run = run_id or f"{engine}-{uuid.uuid4().hex[:12]}"
    record = pd.DataFrame(
        [
            {
                "run_id": run,
                "engine": engine,
                "parameters": json.dumps(parameters, default=str, sort_keys=True),
                "seed": seed,
                "inputs_hash": inputs_hash,
                "code_version": __version__,
                "created_at": datetime.now(UTC).replace(tzinfo=None),
            }
        ]
    )
    rows = [(get_table("results"), _arrow(record))]
    for name, frame in tables.items():
        table = get_table(name)
        absent = {c.name: None for c in table.columns if c.name not in frame.columns and not c.required}
        rows.append((table, _arrow(frame.assign(run_id=run, **absent))))
    store.append_rows(rows)
    return run


def _arrow(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)
