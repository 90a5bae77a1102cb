"""Errors speak the user's language and survive the trip from a worker process."""

from __future__ import annotations

import pickle

from ruralmig.errors import InputError, Issue


def test_input_error_names_file_row_column_and_value() -> None:
    error = InputError(Issue("camps.csv", "is not a number", row=14, column="pop", value="abc"))
    assert str(error) == "camps.csv, row 14, column pop: 'abc' is not a number"
    assert (error.file, error.row, error.column) == ("camps.csv", 14, "pop")


def test_input_error_survives_pickling_with_every_issue() -> None:
    error = InputError([Issue("a.csv", "bad", row=3, column="x"), Issue("a.csv", "worse", row=4)], total=9)
    copy = pickle.loads(pickle.dumps(error))
    assert copy.issues == error.issues
    assert copy.total == 9
    assert str(copy) == str(error)
    assert str(copy).startswith("9 problems found")
