"""Ingest on both backends: good files land whole, bad files are reported in full and change nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import shapely

from ruralmig import InputError, Workspace
from ruralmig.errors import DisclosureError, Issue

WriteCsv = Callable[..., Path]
HEADER = ["area_id", "period", "indicator", "value", "unit", "source", "imputed"]


def good_rows(count: int = 6) -> list[list[str]]:
    areas = ["AFG", "AF01", "AF0101", "KEN", "SOM", "SO11"]
    return [
        [areas[i % len(areas)], str(2015 + i), "rural_poverty", f"{10 + i}.5", "percent", "WB", "no"]
        for i in range(count)
    ]


def issues_at(error: InputError, row: int) -> list[Issue]:
    return [issue for issue in error.issues if issue.row == row]


def test_good_csv_lands_whole_with_types_and_provenance(workspace: Workspace, write_csv: WriteCsv) -> None:
    path = write_csv("poverty.csv", [HEADER, *good_rows()])
    result = workspace.ingest("indicators", path)
    assert result.rows == 6
    assert workspace.count("indicators") == 6
    frame = workspace.read("indicators").sort_values("period", ignore_index=True)
    assert frame["value"].tolist() == [10.5, 11.5, 12.5, 13.5, 14.5, 15.5]
    assert frame["imputed"].tolist() == [False] * 6
    assert frame["period"].tolist()[0] == "2015"
    log = workspace.history()
    assert len(log) == 1
    assert log.loc[0, "sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert log.loc[0, "file_name"] == "poverty.csv"
    assert log.loc[0, "rows"] == 6
    assert log.loc[0, "code_version"]


def test_bad_value_in_row_5_names_row_and_column_and_writes_nothing(workspace: Workspace, write_csv: WriteCsv) -> None:
    workspace.ingest("indicators", write_csv("first.csv", [HEADER, *good_rows(2)]))
    rows = [HEADER, *[[r[0], str(2030 + i), *r[2:]] for i, r in enumerate(good_rows())]]
    rows[5][3] = "12,x"
    rows[2][1] = "31/12/2020"
    with pytest.raises(InputError) as caught:
        workspace.ingest("indicators", write_csv("bad.csv", rows))
    error = caught.value
    assert error.total == 2
    assert [(i.row, i.column, i.value) for i in error.issues] == [(2, "period", "31/12/2020"), (5, "value", "12,x")]
    assert "bad.csv, row 5, column value: '12,x' is not a number" in str(error)
    assert workspace.count("indicators") == 2
    assert len(workspace.history()) == 1


def test_every_problem_is_listed_at_once(workspace: Workspace, write_csv: WriteCsv) -> None:
    rows = [HEADER, *good_rows(6)]
    rows[1][0] = "ZZZ"
    rows[2][2] = '=HYPERLINK("http://x")'
    rows[3][6] = "maybe"
    rows[4][3] = "-5e400"
    rows[6] = list(rows[5])
    with pytest.raises(InputError) as caught:
        workspace.ingest("indicators", write_csv("many.csv", rows))
    found = {(i.row, i.column) for i in caught.value.issues}
    assert {(1, "area_id"), (2, "indicator"), (3, "imputed"), (4, "value"), (6, None)} <= found
    duplicate = issues_at(caught.value, 6)
    assert "repeats the key (area_id, period, indicator, source) of row 5" in duplicate[0].reason


def test_append_refuses_existing_keys_and_upsert_replaces_them(workspace: Workspace, write_csv: WriteCsv) -> None:
    workspace.ingest("indicators", write_csv("a.csv", [HEADER, *good_rows(3)]))
    changed = [[*r[:3], "99", *r[4:]] for r in good_rows(3)]
    path = write_csv("b.csv", [HEADER, *changed])
    with pytest.raises(InputError, match="already in the workspace"):
        workspace.ingest("indicators", path)
    workspace.ingest("indicators", path, mode="upsert")
    assert workspace.count("indicators") == 3
    assert set(workspace.read("indicators")["value"]) == {99.0}
    workspace.ingest("indicators", write_csv("c.csv", [HEADER, *good_rows(1)]), mode="replace")
    assert workspace.count("indicators") == 1


def test_hxl_file_from_hdx_needs_no_mapping(workspace: Workspace, write_csv: WriteCsv) -> None:
    rows = [
        ["Displacement tracking, round 12", "", "", ""],
        ["Province", "Province code", "Reported", "IDPs"],
        ["#adm1+name", "#adm1+code", "#date+reported", "#affected+idps"],
        ["Kabul", "AF01", "2024-03-31", "1,200"],
        ["Kapisa", "AF02", "2024-03-31", "800"],
    ]
    with pytest.raises(InputError) as caught:
        workspace.ingest("indicators", write_csv("dtm.csv", rows))
    assert [(i.row, i.column, i.value) for i in caught.value.issues] == [(1, "value", "1,200")]
    rows[3][3] = "1200"
    result = workspace.ingest("indicators", write_csv("dtm.csv", rows), constants={"source": "IOM DTM"})
    assert result.rows == 2
    frame = workspace.read("indicators").sort_values("area_id", ignore_index=True)
    assert frame["indicator"].tolist() == ["affected+idps", "affected+idps"]
    assert frame["value"].tolist() == [1200.0, 800.0]
    assert frame["source"].tolist() == ["IOM DTM", "IOM DTM"]


def test_wide_table_is_melted_and_text_columns_are_ignored(workspace: Workspace, write_csv: WriteCsv) -> None:
    rows = [
        ["pcode", "year", "name", "poverty", "unemployment"],
        ["AF01", "2020", "Kabul", "30.1", "12"],
        ["AF02", "2020", "Kapisa", "", "9.5"],
    ]
    result = workspace.ingest("indicators", write_csv("wide.csv", rows, delimiter=";"))
    assert result.rows == 3
    assert any("ignored columns" in note and "name" in note for note in result.notes)
    frame = workspace.read("indicators")
    assert sorted(frame["indicator"]) == ["poverty", "unemployment", "unemployment"]


def test_map_and_set_options(workspace: Workspace, write_csv: WriteCsv) -> None:
    rows = [["Admin 2 P-Code", "Month", "Measure", "Amount"], ["AF0101", "2024-01", "returnees", "15"]]
    workspace.ingest(
        "indicators",
        write_csv("m.csv", rows),
        column_map={"Admin 2 P-Code": "area_id", "Month": "period", "Measure": "indicator", "Amount": "value"},
        constants={"unit": "persons"},
    )
    frame = workspace.read("indicators")
    assert frame.loc[0, ["area_id", "period", "indicator", "value", "unit"]].tolist() == [
        "AF0101",
        "2024-01",
        "returnees",
        15.0,
        "persons",
    ]
    with pytest.raises(InputError, match="--map names a column 'Nope'"):
        workspace.ingest("indicators", write_csv("m.csv", rows), column_map={"Nope": "area_id"})


def test_missing_required_column_is_reported_before_any_row(workspace: Workspace, write_csv: WriteCsv) -> None:
    with pytest.raises(InputError) as caught:
        workspace.ingest("od_flows", write_csv("f.csv", [["origin_id", "destination_id", "flow"], ["A", "B", "1"]]))
    missing = {i.column for i in caught.value.issues}
    assert missing == {"period", "kind"}


def test_geojson_areas_round_trip_through_export(workspace: Workspace, tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "properties": {
                "area_id": "KEN",
                "name": "Kenya",
                "admin_level": 0,
                "country_iso3": "KEN",
                "population": 5.3e7,
            },
            "geometry": {"type": "Polygon", "coordinates": [[[34, -4], [41, -4], [41, 5], [34, 5], [34, -4]]]},
        },
        {
            "type": "Feature",
            "properties": {
                "area_id": "KE001",
                "name": "Mombasa",
                "admin_level": 1,
                "parent_id": "KEN",
                "country_iso3": "KEN",
            },
            "geometry": {"type": "Point", "coordinates": [39.66, -4.04]},
        },
    ]
    source = tmp_path / "kenya.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert workspace.ingest("areas", source).rows == 2
    out = workspace.export("areas", tmp_path / "out.geojson")
    document = json.loads(out.read_text())
    by_id = {f["properties"]["area_id"]: f for f in document["features"]}
    assert by_id["KE001"]["geometry"] == {"type": "Point", "coordinates": [39.66, -4.04]}
    assert by_id["KEN"]["properties"]["population"] == 5.3e7
    workspace.export("areas", tmp_path / "areas.parquet")
    with Workspace.init(tmp_path / "second") as other:
        assert other.ingest("areas", tmp_path / "areas.parquet").rows == 2


def test_country_needs_iso3_and_parent_must_exist(workspace: Workspace, write_csv: WriteCsv) -> None:
    rows = [
        ["area_id", "name", "admin_level", "parent_id", "country_iso3"],
        ["KENYA", "Kenya", "0", "", "KEN"],
        ["KE001", "Mombasa", "1", "KE999", "KEN"],
    ]
    with pytest.raises(InputError) as caught:
        workspace.ingest("areas", write_csv("areas.csv", rows))
    assert {(i.row, i.column) for i in caught.value.issues} == {(1, "area_id"), (2, "parent_id")}


def test_excel_sheet_with_formula_text_and_dates(workspace: Workspace, tmp_path: Path) -> None:
    from datetime import date

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Camps"
    sheet.append(["location_id", "date", "count", "source"])
    sheet.append(["Nduta", date(2015, 6, 1), 1200, "UNHCR"])
    sheet.append(["Mtendeli", date(2015, 6, 2), 300.0, "UNHCR"])
    path = tmp_path / "camps.xlsx"
    book.save(path)
    assert workspace.ingest("observed_arrivals", path, sheet="Camps").rows == 2
    frame = workspace.read("observed_arrivals").sort_values("count", ignore_index=True)
    assert str(frame.loc[1, "date"]) == "2015-06-01"
    assert frame.loc[1, "count"] == 1200.0
    with pytest.raises(InputError, match="has no sheet 'Nope'"):
        workspace.ingest("observed_arrivals", path, sheet="Nope")


def test_describe_reports_counts_coverage_and_missing(workspace: Workspace, write_csv: WriteCsv) -> None:
    rows = [HEADER, *good_rows(4)]
    rows[2][3] = ""
    workspace.ingest("indicators", write_csv("d.csv", rows))
    summary = workspace.describe("indicators")
    assert summary.rows == 4
    value = next(c for c in summary.columns if c.name == "value")
    assert value.missing == 1
    assert value.minimum == 10.5
    assert value.maximum == 13.5
    assert summary.coverage == {"distinct area_id": 4, "period range": "2015 to 2018"}


def test_microdata_are_not_read_raw_without_consent(workspace: Workspace) -> None:
    with pytest.raises(DisclosureError):
        workspace.read("households")
    assert workspace.read("households", allow_sensitive=True).empty


def test_padding_and_missing_tokens_are_cleaned_without_eating_letters(
    workspace: Workspace, write_csv: WriteCsv
) -> None:
    rows = [
        HEADER,
        [" AFG ", " 2020", "rate ", "NA", "percent", "WB", "n"],
        ["KEN\t", "2021", "t", " 2.5 ", "percent", "WB", "N/A"],
    ]
    workspace.ingest("indicators", write_csv("padded.csv", rows))
    frame = workspace.read("indicators").sort_values("period", ignore_index=True)
    assert frame["area_id"].tolist() == ["AFG", "KEN"]
    assert frame["indicator"].tolist() == ["rate", "t"]
    assert frame["value"].isna().tolist() == [True, False]
    assert frame.loc[1, "value"] == 2.5
    assert frame["imputed"].tolist() == [False, False]  # "n", and the column's default where missing


def test_geopackage_in_another_crs_is_reprojected_and_loaded(workspace: Workspace, tmp_path: Path) -> None:
    import geopandas
    from shapely.geometry import Point

    frame = geopandas.GeoDataFrame(
        {
            "area_id": ["KE001", "KE002"],
            "name": ["Mombasa", "Kwale"],
            "admin_level": [1, 1],
            "parent_id": ["KEN", "KEN"],
            "country_iso3": ["KEN", "KEN"],
        },
        geometry=[Point(39.66, -4.04), Point(39.45, -4.17)],
        crs="EPSG:4326",
    ).to_crs(32737)
    path = tmp_path / "counties.gpkg"
    frame.to_file(path)
    result = workspace.ingest("areas", path)
    assert result.rows == 2
    assert any("reprojected" in note for note in result.notes)
    stored = geopandas.GeoSeries.from_wkb(workspace.read("areas").sort_values("area_id")["geometry"].tolist())
    assert stored.x.round(4).tolist() == [39.66, 39.45]


def test_geoparquet_boundaries_load_with_their_geometry_on_both_backends(workspace: Workspace) -> None:
    from ruralmig.datasets import bundled_file

    source = bundled_file("ne_admin0.parquet")  # DuckDB 2 reads GeoParquet geometry as its GEOMETRY type
    assert workspace.ingest("areas", source).rows == 175
    areas = workspace.read("areas")
    assert areas["geometry"].notna().all()
    kenya = areas.set_index("area_id").loc["KEN", "geometry"]
    assert shapely.from_wkb(bytes(kenya)).bounds[0] == pytest.approx(33.9, abs=0.1)
