"""The workspace: the Python API that the CLI, the REST API and the dashboard all stand on."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import pyarrow as pa

from ruralmig.config import get_settings
from ruralmig.errors import DisclosureError, RuralmigError
from ruralmig.ingest import IngestResult, ReaderOptions, ingest_file
from ruralmig.ingest.pipeline import Progress
from ruralmig.model import TABLES, DataType, Table, get_table
from ruralmig.storage import Store, WriteMode, open_store
from ruralmig.storage.export import EXPORT_FORMATS, ExportFormat, export_arrow

__all__ = ["ColumnSummary", "TableDescription", "Workspace"]


@dataclass(frozen=True)
class ColumnSummary:
    name: str
    dtype: str
    missing: int
    distinct: int | None
    minimum: Any
    maximum: Any


@dataclass(frozen=True)
class TableDescription:
    """Counts, coverage and missing values of one table."""

    table: str
    description: str
    rows: int
    columns: tuple[ColumnSummary, ...]
    coverage: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([c.__dict__ for c in self.columns])


class Workspace:
    """A ruralmig workspace: a DuckDB file by default, or a PostgreSQL schema.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with Workspace.init(folder) as ws:
    ...         ws.count("indicators")
    0
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def init(cls, location: Path | str | None = None, *, database_url: str | None = None) -> Workspace:
        """Create a workspace (or bring an existing one to the current schema) and open it."""
        return cls(_open_store(location, database_url, create=True))

    @classmethod
    def open(cls, location: Path | str | None = None, *, database_url: str | None = None) -> Workspace:
        """Open an existing workspace."""
        return cls(_open_store(location, database_url, create=False))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def location(self) -> str:
        return self.store.location

    @property
    def backend(self) -> str:
        return self.store.dialect

    @property
    def schema_version(self) -> int | None:
        return self.store.schema_version()

    def count(self, table: str) -> int:
        return self.store.count_rows(table)

    def tables(self) -> pd.DataFrame:
        """Every canonical table with its family, row count and description."""
        rows = [
            {"table": t.name, "family": t.family, "rows": self.count(t.name), "description": t.description}
            for t in TABLES.values()
        ]
        return pd.DataFrame(rows)

    def ingest(
        self,
        table: str,
        path: Path | str,
        *,
        mode: WriteMode = "append",
        column_map: dict[str, str] | None = None,
        constants: dict[str, str] | None = None,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
        decimal: str = ".",
        skip: tuple[str, ...] = (),
        progress: Progress | None = None,
    ) -> IngestResult:
        """Load a file into a canonical table; see :func:`ruralmig.ingest.ingest_file`."""
        options = ReaderOptions(encoding=encoding, delimiter=delimiter, sheet=sheet, decimal=decimal, skip=skip)
        return ingest_file(
            self.store,
            table,
            path,
            mode=mode,
            column_map=column_map,
            constants=constants,
            options=options,
            progress=progress,
        )

    def read_arrow(self, table: str, *, allow_sensitive: bool = False) -> pa.Table:
        spec = get_table(table)
        _guard_sensitive(spec, allow_sensitive)
        return self.store.read_arrow(spec)

    def read(self, table: str, *, allow_sensitive: bool = False) -> pd.DataFrame:
        """A table as a DataFrame (geometries as WKB bytes)."""
        frame: pd.DataFrame = self.read_arrow(table, allow_sensitive=allow_sensitive).to_pandas()
        return frame

    def export(
        self,
        table: str,
        path: Path | str,
        *,
        fmt: ExportFormat | None = None,
        hxl: bool = False,
        allow_sensitive: bool = False,
    ) -> Path:
        """Write a table to a file; the format comes from `fmt` or the file suffix."""
        target = Path(path)
        chosen = fmt or target.suffix.lstrip(".").lower()
        if chosen not in EXPORT_FORMATS:
            raise RuralmigError(f"format must be one of {', '.join(EXPORT_FORMATS)}; got {chosen!r}")
        spec = get_table(table)
        data = self.read_arrow(table, allow_sensitive=allow_sensitive)
        return export_arrow(spec, data, target, chosen, hxl=hxl)

    def import_flee_case(self, folder: Path | str, *, network_id: str | None = None) -> dict[str, int]:
        """Load a Flee case folder into the network tables (each table validated like any ingest).

        If one table is refused, the rows already written for this network are removed again.
        """
        from ruralmig.ingest.flee import read_case
        from ruralmig.ingest.flee.tables import NETWORK_TABLES, case_to_tables

        case = read_case(Path(folder))
        network = network_id or case.name
        tables = case_to_tables(case, network)
        written: dict[str, int] = {}
        with tempfile.TemporaryDirectory(prefix="ruralmig-flee-") as workdir:
            try:
                for name in NETWORK_TABLES:
                    path = Path(workdir) / f"{network}-{name}.parquet"
                    tables[name].to_parquet(path, index=False)
                    written[name] = self.ingest(name, path).rows
            except BaseException:
                for name in written:
                    column = "network_id"
                    self.store.delete_matching(get_table(name), column, network)
                raise
        return written

    def displacement_case(
        self, network_id: str, *, settings: Any = None, start_date: Any = None, length: int | None = None
    ) -> Any:
        """The DisplacementCase of a network stored in the workspace."""
        from ruralmig.ingest.flee.tables import NETWORK_TABLES, case_from_tables

        tables = {name: self.read(name) for name in NETWORK_TABLES}
        return case_from_tables(tables, network_id, settings=settings, start_date=start_date, length=length)

    def save_displacement_run(self, result: Any, case: Any) -> str:
        """Store a SimulationResult (tidy counts per location and day) with its parameters, seed and inputs hash."""
        from ruralmig.scenarios import save_run

        parameters = {
            "case": case.name,
            "spawning": result.spawning,
            "days": result.days,
            "settings": result.settings.to_flee_mapping(),
        }
        tidy = result.to_frame().drop(columns="run_id")
        return save_run(
            self.store,
            engine="displacement",
            parameters=parameters,
            seed=result.seed,
            inputs_hash=case.inputs_hash(),
            tables={"displacement_results": tidy},
        )

    def save_index_run(self, frame: pd.DataFrame, definition_text: str, inputs: pd.DataFrame) -> str:
        """Store a composite-index result (its tidy frame) with the definition and a hash of its inputs."""
        import hashlib

        from ruralmig.scenarios import save_run

        inputs_hash = hashlib.sha256(inputs.to_csv(index=False).encode()).hexdigest()
        tidy = frame.assign(unit=frame["unit"].astype(str), period=frame["period"].astype(str))
        return save_run(
            self.store,
            engine="index",
            parameters={"definition": definition_text},
            seed=None,
            inputs_hash=inputs_hash,
            tables={"index_results": tidy},
        )

    def save_survey_run(self, frame: pd.DataFrame, parameters: dict[str, Any]) -> str:
        """Store disclosure-checked survey estimates (the columns of ``survey_results``) as a run; return its id."""
        import hashlib

        from ruralmig.scenarios import save_run
        from ruralmig.survey.disclosure import guard_aggregates

        guard_aggregates(frame)
        columns = [column.name for column in get_table("survey_results").columns if column.name != "run_id"]
        tidy = frame[[column for column in columns if column in frame.columns]]
        inputs_hash = hashlib.sha256(tidy.to_csv(index=False).encode()).hexdigest()
        return save_run(
            self.store,
            engine="survey",
            parameters=parameters,
            seed=None,
            inputs_hash=inputs_hash,
            tables={"survey_results": tidy},
        )

    def history(self) -> pd.DataFrame:
        """Provenance of every ingest, newest first."""
        log: pd.DataFrame = self.store.read_arrow(get_table("ingest_log")).to_pandas()
        return log.sort_values("started_at", ascending=False, ignore_index=True)

    def describe(self, table: str) -> TableDescription:
        """Row count, missing and distinct values per column, and coverage in areas and periods."""
        spec = get_table(table)
        name = self.store.qualified(spec.name)
        parts = ["count(*)"]
        for column in spec.columns:
            quoted = f'"{column.name}"'
            parts.append(f"count(*) - count({quoted})")
            comparable = column.dtype not in (DataType.GEOMETRY, DataType.JSON, DataType.BOOLEAN)
            parts.append(f"count(DISTINCT {quoted})" if comparable else "NULL")
            parts.append(f"min({quoted})" if comparable else "NULL")
            parts.append(f"max({quoted})" if comparable else "NULL")
        aliased = ", ".join(f"{part} AS v{index}" for index, part in enumerate(parts))
        row = self.store.query_arrow(f"SELECT {aliased} FROM {name}").to_pylist()[0]
        values = [row[f"v{index}"] for index in range(len(parts))]
        summaries = []
        for index, column in enumerate(spec.columns):
            missing, distinct, low, high = values[1 + 4 * index : 5 + 4 * index]
            summaries.append(ColumnSummary(column.name, column.dtype.value, int(missing), _int(distinct), low, high))
        coverage = _coverage(spec, summaries)
        return TableDescription(spec.name, spec.description, int(values[0]), tuple(summaries), coverage)


def _open_store(location: Path | str | None, database_url: str | None, *, create: bool) -> Store:
    settings = get_settings()
    return open_store(
        location or settings.workspace_dir,
        database_url=database_url or settings.database_url,
        create=create,
        schema=settings.database_schema,
        memory_limit=settings.memory_limit,
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _coverage(spec: Table, summaries: list[ColumnSummary]) -> dict[str, Any]:
    by_name = {s.name: s for s in summaries}
    coverage: dict[str, Any] = {}
    for name in ("area_id", "origin_id", "country_iso3", "location_id", "corridor", "survey_id", "network_id"):
        if name in by_name:
            coverage[f"distinct {name}"] = by_name[name].distinct
    for name in ("period", "date", "year", "day"):
        if name in by_name and by_name[name].minimum is not None:
            coverage[f"{name} range"] = f"{by_name[name].minimum} to {by_name[name].maximum}"
    return coverage


def _guard_sensitive(spec: Table, allow_sensitive: bool) -> None:
    if spec.sensitive and not allow_sensitive:
        raise DisclosureError(
            f"{spec.name} holds microdata about people; reading it raw needs allow_sensitive=True "
            "(CLI: --allow-microdata). Publish aggregates instead."
        )
