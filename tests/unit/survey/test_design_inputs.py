"""Bad design input named by row and column: strata without PSUs, unknown domains, replicate conversions."""

from __future__ import annotations

import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.survey import SurveyDesign, survey_mean


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stratum": pd.Categorical(["a", "a", "b", "b"], categories=["a", "b", "c"]),
            "psu": [1, 2, 3, 4],
            "w": [2.0, 2.0, 3.0, 3.0],
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )


def test_a_declared_stratum_with_no_psu_is_an_input_error() -> None:
    with pytest.raises(InputError, match="stratum with no PSU") as error:
        SurveyDesign.from_frame(frame(), weights="w", strata="stratum", psu="psu")
    assert (error.value.column, error.value.issues[0].value) == ("stratum", "c")
    used = frame().assign(stratum=lambda f: f["stratum"].cat.remove_unused_categories())
    assert SurveyDesign.from_frame(used, weights="w", strata="stratum", psu="psu").stratum_count == 2


def test_an_unknown_domain_variable_is_named() -> None:
    design = SurveyDesign.from_frame(frame().assign(stratum=lambda f: f["stratum"].astype(str)), weights="w")
    with pytest.raises(InputError, match="domain column is not in the data") as error:
        survey_mean(design, "y", by="district")
    assert error.value.column == "district"


def test_replicate_conversion_rules() -> None:
    stratified = SurveyDesign.from_frame(
        frame().assign(stratum=lambda f: f["stratum"].astype(str)), weights="w", strata="stratum", psu="psu"
    )
    with pytest.raises(ValueError, match="JK1 needs a design with one stratum"):
        stratified.to_replicate("JK1")
    post = stratified.post_stratify("stratum", {"a": 10.0, "b": 20.0})
    with pytest.raises(ValueError, match="before calibrating"):
        post.to_replicate("JKn")
    with pytest.raises(ValueError, match="kind must be"):
        stratified.to_replicate("SDR")  # type: ignore[arg-type]
    assert stratified.to_replicate("BRR").replicate_count == 4
