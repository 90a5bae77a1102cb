"""Readers: encoding and delimiter detection, HXL rows, spreadsheets' cell text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ruralmig.errors import InputError
from ruralmig.ingest.hxl import best_tag_match, tag_label
from ruralmig.ingest.readers import stage_file
from ruralmig.ingest.readers.encoding import detect_encoding
from ruralmig.ingest.readers.tabular import cell_text
from ruralmig.ingest.readers.text import sniff_delimiter
from ruralmig.ingest.source import ReaderOptions, is_hashtag_row


def stage(path: Path, **options: str) -> tuple[list[str], list[tuple[str, ...]], dict[str, str]]:
    con = duckdb.connect()
    staged = stage_file(con, path, ReaderOptions(**options))  # type: ignore[arg-type]
    rows = con.execute(f"SELECT * FROM {staged.relation} ORDER BY rowid").fetchall()
    assert not staged.issues, staged.issues
    return staged.columns, rows, staged.hxl_tags


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["a;b;c", "1,5;2;3", "4;5,5;6"], ";"),
        (["a\tb", "1\t2"], "\t"),
        (["a|b|c", "1|2|3"], "|"),
        (['name,"note; with semicolon"', "x,y"], ","),
    ],
)
def test_delimiter_is_the_one_that_splits_lines_consistently(lines: list[str], expected: str) -> None:
    assert sniff_delimiter(lines) == expected


def test_legacy_encoding_is_detected_and_read(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("nom;région\nCôte d'Ivoire;Lagunes\nSénégal;Thiès\n".encode("cp1252"))
    assert detect_encoding(path) in ("cp1252", "latin_1", "iso8859_15", "cp1250", "windows-1252")
    columns, rows, _ = stage(path)
    assert columns == ["nom", "région"]
    assert rows[1] == ("Sénégal", "Thiès")


def test_utf16_with_bom_and_utf8_bom_are_read(tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-8-sig"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes("a,b\nNyarugusu,1\n".encode(encoding))
        columns, rows, _ = stage(path)
        assert columns == ["a", "b"]
        assert rows == [("Nyarugusu", "1")]


def test_broken_utf8_is_reported_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes("a,b\nGarissa,é\n".encode() + b"Wajir,\xff\n")
    con = duckdb.connect()
    staged = stage_file(con, path, ReaderOptions())
    assert [(i.row, "UTF-8" in i.reason) for i in staged.issues] == [(2, True)]


def test_hxl_row_below_title_rows_is_found(tmp_path: Path) -> None:
    path = tmp_path / "hdx.csv"
    path.write_text("Somalia IDPs 2024,,\nProvince,Code,IDPs\n#adm1+name,#adm1+code,#affected+idps\nAwdal,SO11,10\n")
    columns, rows, tags = stage(path)
    assert columns == ["Province", "Code", "IDPs"]
    assert tags == {"Province": "#adm1+name", "Code": "#adm1+code", "IDPs": "#affected+idps"}
    assert rows == [("Awdal", "SO11", "10")]


def test_hashtag_row_rules() -> None:
    assert is_hashtag_row(["#adm1+code", "", "#date"])
    assert not is_hashtag_row(["#adm1+code", "Province"])
    assert not is_hashtag_row(["", ""])


def test_tag_matching_prefers_exact_attributes_and_earlier_patterns() -> None:
    tags = {"Parent": "#adm+code+parent", "Code": "#adm+code", "Country": "#country+code"}
    assert best_tag_match(("#adm+code",), tags) == "Code"
    assert best_tag_match(("#adm1+code", "#country+code"), tags) == "Country"
    assert best_tag_match(("#adm+code+parent",), tags) == "Parent"
    assert best_tag_match(("#date",), tags) is None
    assert tag_label("#affected+idps+f") == "affected+idps+f"


def test_cell_text_is_what_a_person_typed() -> None:
    assert cell_text(2020.0) == "2020"
    assert cell_text(0.1) == "0.1"
    assert cell_text(dt.datetime(2024, 3, 1)) == "2024-03-01"
    assert cell_text(dt.datetime(2024, 3, 1, 12, 30)) == "2024-03-01 12:30:00"
    assert cell_text(True) == "true"
    assert cell_text(float("nan")) is None
    assert cell_text("") is None


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("empty.csv", b"", "is empty"),
    ("notes.docx", b"x", "unknown file type"),
    ("bad.xlsx", b"not a zip", "not a readable spreadsheet"),
    ("bad.parquet", b"PAR1garbage", "not a readable Parquet file"),
    ("bad.geojson", b"{", "not valid JSON"),
    ("list.geojson", b"[]", "not a GeoJSON FeatureCollection"),
])  # fmt: skip
def test_unreadable_files_give_an_input_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason) as caught:
        stage_file(duckdb.connect(), path, ReaderOptions())
    assert caught.value.file == name
