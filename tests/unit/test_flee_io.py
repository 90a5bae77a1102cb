"""Flee case folders in and out: the two real cases, a lossless round trip, Flee's quirks and every bad input."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ruralmig.datasets import burundi_case_folder
from ruralmig.displacement.case import DisplacementCase
from ruralmig.errors import DataQualityWarning, InputError
from ruralmig.ingest.flee import read_case, write_case
from ruralmig.ingest.flee.parse import parse_conflicts, parse_locations, parse_routes, parse_series

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "displacement"
BURUNDI_CAMPS = ["Mahama", "Nduta", "Nyarugusu", "Nakivale", "Lusenda"]
MALI_CAMPS = ["Fassala-Mbera", "Mentao", "Bobo-Dioulasso", "Abala", "Mangaize", "Niamey", "Tabareybarey"]
MALI_LAYOUT = ["Bobo-Dioulasso", "Mentao", "Fassala-Mbera", "Abala", "Mangaize", "Tabareybarey", "Niamey"]


def shared_case(name: str) -> Path:
    folder = SHARED / name
    if not (folder / "input_csv").is_dir():
        pytest.skip(f"the shared Flee case {folder} is not present")
    return folder


def check_burundi(case: DisplacementCase) -> None:
    assert case.start_date == date(2015, 5, 1)
    assert case.length == 396
    assert len(case.locations) == 30
    assert len(case.routes) == 41
    assert case.camps == BURUNDI_CAMPS
    assert list(case.observations) == BURUNDI_CAMPS
    assert case.conflicts.shape == (396, 32)  # two columns (Isale, Gitega-Ruyigi) are no location; always 0
    assert case.registration_corrections["Nakivale"] == date(2015, 8, 18)
    assert case.closures["closure_type"].tolist() == ["location", "remove_forced_redirection"]
    assert case.routes["forced_redirection"].tolist().count(2) == 2


def test_shared_burundi_gives_the_numbers_of_the_data_readme() -> None:
    check_burundi(read_case(shared_case("burundi")))


def test_shared_mali_gives_the_numbers_of_the_data_readme() -> None:
    case = read_case(shared_case("mali"))
    assert (case.start_date, case.length) == (date(2012, 2, 29), 300)
    assert (len(case.locations), len(case.routes)) == (23, 35)
    assert case.camps == MALI_CAMPS  # locations order
    assert list(case.observations) == MALI_LAYOUT  # data_layout.csv order
    assert case.registration_corrections["Mentao"] == date(2012, 10, 3)  # quoted, third field "normalize"
    assert case.conflicts.shape == (300, 23)
    assert case.closures["name2"].tolist() == ["Burkina_Faso", "Niger"]
    # Files data_layout.csv does not name are kept as text, so that writing the case loses nothing.
    assert "source_data/religion.csv" in case.files


def test_bundled_burundi_gives_the_same_numbers_and_fabflee_settings() -> None:
    case = read_case(burundi_case_folder())
    check_burundi(case)
    assert case.name == "burundi2015"
    assert case.settings.max_move_speed == 200
    assert case.settings.conflict_weight == 0.25
    assert case.settings.conflict_spawn_decay == (1, 1, 1, 0.5, 0.1)
    assert case.settings.default_movechance == 0.3
    for file in ("LICENSE-flee.txt", "SOURCE.md"):
        assert (burundi_case_folder() / file).is_file()


def test_bundled_burundi_is_the_unmodified_flee_copy() -> None:
    folder = shared_case("burundi")
    for path in folder.rglob("*.csv"):
        assert (burundi_case_folder() / path.relative_to(folder)).read_bytes() == path.read_bytes()


def assert_same_bytes(source: Path, target: Path, written: list[str]) -> None:
    originals = sorted(str(p.relative_to(source)) for p in source.rglob("*") if p.suffix in (".csv", ".yml"))
    assert written == originals
    for relative in written:
        assert (target / relative).read_bytes() == (source / relative).read_bytes(), relative


def test_round_trip_writes_every_file_back_byte_for_byte(tmp_path: Path) -> None:
    case = read_case(burundi_case_folder())
    assert_same_bytes(burundi_case_folder(), tmp_path, write_case(case, tmp_path))


def test_round_trip_of_shared_mali_keeps_crlf_quotes_and_unused_files(tmp_path: Path) -> None:
    folder = shared_case("mali")
    assert_same_bytes(folder, tmp_path, write_case(read_case(folder), tmp_path))


def test_a_changed_table_is_rendered_and_the_rest_kept(tmp_path: Path) -> None:
    case = read_case(burundi_case_folder())
    case.routes.loc[0, "distance"] = 50.0
    write_case(case, tmp_path)
    assert (tmp_path / "input_csv/routes.csv").read_text().splitlines()[1] == "Bujumbura,Bubanza,50,0"
    source = burundi_case_folder()
    for relative in ("input_csv/locations.csv", "input_csv/conflicts.csv", "source_data/refugees.csv"):
        assert (tmp_path / relative).read_bytes() == (source / relative).read_bytes()
    assert read_case(tmp_path).routes.equals(case.routes)


def test_dropped_registration_corrections_are_not_written_back(tmp_path: Path) -> None:
    case = dataclasses.replace(read_case(burundi_case_folder()), registration_corrections={})
    write_case(case, tmp_path)
    assert read_case(tmp_path).registration_corrections == {}


def test_a_case_without_raw_files_is_written_as_valid_flee_files(tmp_path: Path) -> None:
    case = read_case(burundi_case_folder())
    bare = dataclasses.replace(case, files={}, total_observations=None)
    write_case(bare, tmp_path)
    back = read_case(tmp_path)
    for table in ("locations", "routes", "closures", "conflicts"):
        assert getattr(back, table).equals(getattr(case, table)), table
    assert all(back.observations[camp].equals(frame) for camp, frame in case.observations.items())
    assert (back.start_date, back.length, back.settings) == (case.start_date, case.length, case.settings)
    assert back.registration_corrections == case.registration_corrections
    assert back.total_observations is not None  # refugees.csv is the sum of the camps when no total is given


# Flee's quirks


@pytest.fixture
def case_folder(tmp_path: Path) -> Path:
    """A writable copy of the bundled Burundi case, to break one file at a time."""
    folder = tmp_path / "case"
    shutil.copytree(burundi_case_folder(), folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode()
    assert old in text, f"{old!r} is not in {path}"
    path.write_bytes(text.replace(old, new, 1).encode())


def data_row(path: Path, starts_with: str) -> int:
    """Row number of the line starting with `starts_with`, in a file whose first line is a header."""
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines) if line.startswith(starts_with))


def test_flee_quirks_are_read(case_folder: Path) -> None:
    inputs, source = case_folder / "input_csv", case_folder / "source_data"
    edit(inputs / "locations.csv", '"population"', '"population","capacity_per_day"')
    edit(inputs / "locations.csv", '"camp",,49451', '"camp",,49451,250')
    (inputs / "sim_period.csv").write_text("startdate,2015-05-01\nLENGTH,396\n")
    edit(inputs / "routes.csv", "Bujumbura,Lusenda,53,", "Bujumbura,Lusenda,53")  # no forced_redirection
    (inputs / "registration_corrections.csv").write_text('"Nakivale","2015-08-18","normalize"\n')
    edit(source / "rwa-mahama.csv", "2015-06-01,23984\n", "DateTime,x\n# a comment\n2015-06-01,23984\n2015-06-02,\n")
    edit(source / "rwa-mahama.csv", "2015-05-01,0\n", "")
    edit(source / "data_layout.csv", "Nakivale,uga-nakivale.csv", "Nakivale,uga-nakivale.csv,more-nakivale.csv,")
    (source / "more-nakivale.csv").write_text("Date,count\n2015-05-01,100\n2016-12-01,100\n")
    case = read_case(case_folder, name="quirks")

    assert case.name == "quirks"
    mahama = case.locations.set_index("name").loc["Mahama"]
    assert mahama["capacity_per_day"] == 250
    assert pd.isna(case.locations.set_index("name").loc["Nduta", "capacity_per_day"])
    assert case.locations.set_index("name").loc["Bubanza", "population"] == 0  # empty pop -> 0
    assert case.routes["forced_redirection"].iat[-1] == 0
    assert case.registration_corrections == {"Nakivale": date(2015, 8, 18)}
    # A DateTime header line, a `#` line and an empty count are skipped.
    assert case.observations["Mahama"]["date"].iat[0] == pd.Timestamp("2015-06-01")
    assert pd.Timestamp("2015-06-02") not in set(case.observations["Mahama"]["date"])
    # Two files for one camp are summed, at every date either gives.
    nakivale = case.observations["Nakivale"].set_index("date")["count"]
    last_of_first_file = int((source / "uga-nakivale.csv").read_text().split()[-1].split(",")[1])
    assert nakivale[pd.Timestamp("2015-06-14")] == 8220 + 100
    assert nakivale[pd.Timestamp("2016-12-01")] == last_of_first_file + 100


def test_files_with_and_without_a_date_header_and_a_leading_empty_line() -> None:
    for text in ("Date,Refugee_numbers\n2015-04-10,3246\n", ",\n2015-04-10,3246\n", "2015-04-10,3246\n"):
        parsed = parse_series(text, "x.csv")
        assert parsed.issues == []
        assert parsed.table["count"].tolist() == [3246.0]
    assert parse_series("#DateTime,Nombre\n2012-02-29,0\n,\n", "x.csv").table["count"].tolist() == [0.0]


def test_conflicts_with_spaces_after_commas_and_a_trailing_comma() -> None:
    parsed = parse_conflicts("#Day, A, B,\n0, 1, 0\n1, 0.5, 0\n", "conflicts.csv")
    assert parsed.issues == []
    assert list(parsed.table.columns) == ["A", "B"]
    assert parsed.table["A"].tolist() == [1.0, 0.5]


# One test per bad input: the error names the file, the row and the column or key.


def problems(folder: Path, **options: Path) -> str:
    with pytest.raises(InputError) as caught:
        read_case(folder, **options)
    return str(caught.value)


def test_a_route_to_an_unknown_location(case_folder: Path) -> None:
    edit(case_folder / "input_csv/routes.csv", "Bujumbura,Bubanza,48,", "Bujumbura,Bubanzaa,48,")
    message = problems(case_folder)
    assert "input_csv/routes.csv, row 1, column name2: 'Bubanzaa' is not a location" in message


@pytest.mark.parametrize(("distance", "reason"), [("seventy", "is not a number"), ("0", "above 0"), ("-5", "above 0")])
def test_a_route_distance_that_is_not_a_positive_number(case_folder: Path, distance: str, reason: str) -> None:
    edit(case_folder / "input_csv/routes.csv", "Bubanza,Bukinanyana,74,", f"Bubanza,Bukinanyana,{distance},")
    message = problems(case_folder)
    assert f"input_csv/routes.csv, row 2, column distance: '{distance}' " in message
    assert reason in message


def test_conflicts_shorter_than_the_period(case_folder: Path) -> None:
    path = case_folder / "input_csv/conflicts.csv"
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:301]))  # header + days 0..299
    message = problems(case_folder)
    assert "input_csv/conflicts.csv, row 301, column Day: is missing: the file has 300 days" in message
    assert "396" in message


def test_conflicts_naming_an_unknown_location(case_folder: Path) -> None:
    edit(case_folder / "input_csv/conflicts.csv", "#Day, Bujumbura,", "#Day, Bujumbur,")
    message = problems(case_folder)
    assert "input_csv/conflicts.csv, row 1, column Bujumbur: is not a location" in message


def test_conflicts_with_a_value_that_is_not_a_number(case_folder: Path) -> None:
    edit(case_folder / "input_csv/conflicts.csv", "\n5, 1, 0,", "\n5, high, 0,")
    assert "input_csv/conflicts.csv, row 6, column Bujumbura: 'high' is not a number" in problems(case_folder)


def test_a_camp_of_data_layout_missing_from_locations(case_folder: Path) -> None:
    edit(case_folder / "source_data/data_layout.csv", "Mahama,", "Mahamaa,")
    message = problems(case_folder)
    assert "source_data/data_layout.csv, row 2, column name: 'Mahamaa' is not a location" in message
    assert "has no row for the camp 'Mahama'" in message


def test_a_camp_of_data_layout_that_is_not_a_camp(case_folder: Path) -> None:
    edit(case_folder / "input_csv/locations.csv", '"Kirehe","Rwanda",-2.3009,30.8278,"camp"',
         '"Kirehe","Rwanda",-2.3009,30.8278,"town"')  # fmt: skip
    message = problems(case_folder)
    assert "source_data/data_layout.csv, row 2, column name: 'Mahama' is a town" in message


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("input_csv/sim_period.csv", "2015-05-01", "2015-13-01", "row 1, column StartDate: '2015-13-01'"),
        ("source_data/rwa-mahama.csv", "2015-06-01,", "2015-06-31,", "row 2, column date: '2015-06-31'"),
        ("source_data/refugees.csv", "2015-04-23,", "23/04/2015,", "row 2, column date: '23/04/2015'"),
        ("input_csv/registration_corrections.csv", "2016-04-06", "06/04/2016", "row 2, column date: '06/04/2016'"),
    ],
)
def test_a_malformed_date(case_folder: Path, file: str, old: str, new: str, where: str) -> None:
    edit(case_folder / file, old, new)
    message = problems(case_folder)
    assert f"{file}, {where} is not a date in the form YYYY-MM-DD" in message


def test_a_registration_correction_on_a_date_without_data(case_folder: Path) -> None:
    edit(case_folder / "input_csv/registration_corrections.csv", "Nduta,2016-04-06", "Nduta,2016-04-07")
    message = problems(case_folder)
    assert "input_csv/registration_corrections.csv, row 2, column date: '2016-04-07' is not the date" in message


@pytest.mark.parametrize("file", ["input_csv/routes.csv", "input_csv/conflicts.csv", "source_data/data_layout.csv"])
def test_a_missing_file(case_folder: Path, file: str) -> None:
    (case_folder / file).unlink()
    assert f"{file}: is missing" in problems(case_folder)


def test_a_data_file_named_in_data_layout_is_missing(case_folder: Path) -> None:
    (case_folder / "source_data/tan-nduta.csv").unlink()
    message = problems(case_folder)
    assert "source_data/data_layout.csv, row 3, column file: names 'tan-nduta.csv', which is missing" in message
    assert "registration_corrections" not in message  # no cascade from the missing file


def test_duplicate_location_names(case_folder: Path) -> None:
    edit(case_folder / "input_csv/locations.csv", '"Kabarore","Kayanza"', '"Bujumbura","Kayanza"')
    message = problems(case_folder)
    assert "input_csv/locations.csv, row 2, column name: 'Bujumbura' is a location name already used" in message
    assert "used on row 1" in message


def test_an_unknown_location_type(case_folder: Path) -> None:
    path = case_folder / "input_csv/locations.csv"
    edit(path, '"forwarding_hub"', '"refugee_hub"')
    row = data_row(path, '"Kagunga"')
    message = problems(case_folder)
    assert f"input_csv/locations.csv, row {row}, column location_type: 'refugee_hub' is not a location type" in message


def test_location_types_are_matched_by_substring_as_flee_does(case_folder: Path) -> None:
    edit(case_folder / "input_csv/locations.csv", '"forwarding_hub"', '"forward"')
    edit(case_folder / "input_csv/locations.csv", '"Bubanza","Bubanza","Burundi",-3.0853,29.3956,"town"',
         '"Bubanza","Bubanza","Burundi",-3.0853,29.3956,"small_town"')  # fmt: skip
    assert len(read_case(case_folder).locations) == 30


def test_a_location_value_that_is_not_a_number(case_folder: Path) -> None:
    edit(case_folder / "input_csv/locations.csv", "-3.3667,29.3637", "-3.3667,east")
    assert "input_csv/locations.csv, row 1, column longitude: 'east' is not a number" in problems(case_folder)


def test_an_unknown_setting_key(case_folder: Path) -> None:
    edit(case_folder / "simsetting.yml", "  max_move_speed: 200\n", "  max_move_sped: 200\n")
    assert "simsetting.yml: unknown setting 'move_rules.max_move_sped'" in problems(case_folder)


def test_settings_from_another_file(case_folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "fast.yml"
    other.write_text("move_rules:\n  max_move_speed: 500\n")
    assert read_case(case_folder, settings=other).settings.max_move_speed == 500
    other.write_text("move_rules:\n  speed: 500\n")
    assert "fast.yml: unknown setting 'move_rules.speed'" in problems(case_folder, settings=other)


def test_every_problem_is_reported_at_once(case_folder: Path) -> None:
    edit(case_folder / "input_csv/routes.csv", "Bujumbura,Bubanza,48,", "Bujumbura,Nowhere,x,")
    edit(case_folder / "input_csv/sim_period.csv", "Length,396", "Length,many")
    edit(case_folder / "simsetting.yml", "hasten: 1", "hurry: 1")
    (case_folder / "source_data/uga-nakivale.csv").unlink()
    with pytest.raises(InputError) as caught:
        read_case(case_folder)
    files = {issue.file for issue in caught.value.issues}
    assert files == {"input_csv/routes.csv", "input_csv/sim_period.csv", "simsetting.yml",
                     "source_data/data_layout.csv"}  # fmt: skip
    assert len(caught.value.issues) == 5
    assert str(caught.value).startswith("5 problems found")


def test_an_attribute_column_named_twice(case_folder: Path) -> None:
    edit(case_folder / "input_csv/locations.csv", '"population"', '"population","region"')
    assert "input_csv/locations.csv, column region: is a column name used twice" in problems(case_folder)


def test_flee_inputs_that_are_not_used_are_kept_with_a_warning(case_folder: Path, tmp_path: Path) -> None:
    (case_folder / "input_csv/major_routes.csv").write_text("Bujumbura,Bubanza,Bukinanyana\n")
    with pytest.warns(DataQualityWarning, match="major_routes.csv"):
        case = read_case(case_folder)
    write_case(case, tmp_path / "out")
    assert (tmp_path / "out/input_csv/major_routes.csv").read_text() == "Bujumbura,Bubanza,Bukinanyana\n"


def test_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    assert "is not a folder" in problems(tmp_path / "nowhere")


# Parsers never fail with anything but issues, whatever the text.


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab,"#\n\r -.0123456789')), max_size=80))
def test_parsers_turn_any_text_into_a_table_or_issues(text: str) -> None:
    for parse in (parse_locations, parse_routes, parse_conflicts, parse_series):
        parsed = parse(text, "f.csv")
        assert isinstance(parsed.table, pd.DataFrame)
        assert all(issue.file == "f.csv" for issue in parsed.issues)
