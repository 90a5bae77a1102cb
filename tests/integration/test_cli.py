"""The CLI mirrors the Python API: init, ingest, export, tables, describe, history, demo."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ruralmig.cli.main import app
from ruralmig.model import SCHEMA_VERSION

runner = CliRunner()
HEADER = "area_id,period,indicator,value,unit,source,imputed\n"
ROWS = "".join(f"AF0{i},2020,poverty,{i}.5,percent,WB,false\n" for i in range(1, 8))


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_console_script_lists_the_commands() -> None:
    script = Path(sys.executable).parent / "ruralmig"
    output = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("init", "ingest", "export", "tables", "describe"):
        assert command in output


def test_init_ingest_describe_export_round_trip(tmp_path: Path) -> None:
    workspace = str(tmp_path / "ws")
    code, output = invoke("init", workspace)
    assert code == 0
    assert f"schema version {SCHEMA_VERSION}" in output
    source = tmp_path / "poverty.csv"
    source.write_text(HEADER + ROWS)
    code, output = invoke("--workspace", workspace, "ingest", "indicators", str(source))
    assert code == 0
    assert "7 rows from poverty.csv into indicators" in output
    code, output = invoke("--workspace", workspace, "tables")
    assert code == 0
    assert "indicators" in output
    assert "od_flows" in output
    code, output = invoke("--workspace", workspace, "describe", "indicators")
    assert code == 0
    assert "rows: 7" in output
    assert "distinct area_id: 7" in output
    for fmt in ("csv", "parquet", "xlsx"):
        target = tmp_path / f"out.{fmt}"
        code, output = invoke("--workspace", workspace, "export", "indicators", "-f", fmt, "-o", str(target))
        assert code == 0, output
        assert target.exists()
    exported = pd.read_csv(tmp_path / "out.csv")
    assert sorted(exported["value"]) == [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]
    assert pd.read_excel(tmp_path / "out.xlsx", engine="calamine")["area_id"].nunique() == 7
    code, output = invoke("--workspace", workspace, "history")
    assert code == 0
    assert "poverty" in output
    assert "indicators" in output


def test_bad_value_in_row_5_exits_non_zero_names_row_and_column(tmp_path: Path) -> None:
    workspace = str(tmp_path / "ws")
    invoke("init", workspace)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "AFG,2019,poverty,1,percent,WB,false\n")
    invoke("--workspace", workspace, "ingest", "indicators", str(good))
    lines = ROWS.splitlines(keepends=True)
    lines[4] = lines[4].replace("5.5", "five")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "".join(lines))
    report = tmp_path / "problems.csv"
    code, output = invoke("--workspace", workspace, "ingest", "indicators", str(bad), "--report", str(report))
    assert code == 2
    assert "bad.csv" in output
    assert "│ 5 " in output
    assert "value" in output
    assert "is not a number" in output
    problems = pd.read_csv(report)
    assert problems.to_dict("records") == [
        {"file": "bad.csv", "row": 5, "column": "value", "value": "five", "reason": "is not a number"}
    ]
    code, output = invoke("--workspace", workspace, "describe", "indicators")
    assert "rows: 1" in output


def test_export_refuses_microdata_unless_asked(tmp_path: Path) -> None:
    workspace = str(tmp_path / "ws")
    invoke("init", workspace)
    code, output = invoke("--workspace", workspace, "export", "households", "-o", str(tmp_path / "h.csv"))
    assert code == 1
    assert "microdata" in output
    code, _ = invoke("--workspace", workspace, "export", "households", "-o", str(tmp_path / "h.csv"),
                     "--allow-microdata")  # fmt: skip
    assert code == 0


def test_csv_export_guards_formulas_and_writes_hxl(tmp_path: Path) -> None:
    workspace = str(tmp_path / "ws")
    invoke("init", workspace)
    source = tmp_path / "flows.csv"
    source.write_text("origin_id,destination_id,period,flow,kind,source\nAFG,PAK,2021,10,international,-cmd|calc\n")
    code, output = invoke("--workspace", workspace, "ingest", "od_flows", str(source))
    assert code == 2
    assert "looks like a spreadsheet formula" in output
    source.write_text("origin_id,destination_id,period,flow,kind,source\nAFG,PAK,2021,10,international,UNHCR\n")
    assert invoke("--workspace", workspace, "ingest", "od_flows", str(source))[0] == 0
    target = tmp_path / "flows_out.csv"
    assert invoke("--workspace", workspace, "export", "od_flows", "-o", str(target), "--hxl")[0] == 0
    lines = target.read_text().splitlines()
    assert lines[1].startswith("#origin+code,#destination+code")
    assert lines[2].startswith('"AFG","PAK","2021",10')


@pytest.mark.slow
@pytest.mark.postgres
def test_cli_works_on_postgresql_through_the_environment(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    schema = f"cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("RURALMIG_DATABASE_URL", postgres_url)
    monkeypatch.setenv("RURALMIG_DATABASE_SCHEMA", schema)
    try:
        code, output = invoke("init")
        assert code == 0, output
        assert f"schema {schema}" in " ".join(output.split())
        source = tmp_path / "poverty.csv"
        source.write_text(HEADER + ROWS)
        code, output = invoke("ingest", "indicators", str(source))
        assert code == 0, output
        code, output = invoke("describe", "indicators")
        assert "rows: 7" in output
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')  # type: ignore[arg-type]
