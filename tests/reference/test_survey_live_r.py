"""Live cross-check against R `survey` on freshly generated designs (not only the stored reference rows).

`.ci/run` installs Debian's r-cran-survey; outside CI the test skips when Rscript is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ruralmig.survey import SurveyDesign, survey_mean, survey_ratio, survey_total

pytestmark = pytest.mark.reference

R_SCRIPT = """
library(survey)
args <- commandArgs(trailingOnly = TRUE)
options(survey.lonely.psu = args[3])
d <- read.csv(args[1], stringsAsFactors = FALSE)
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc, data = d, nest = TRUE)
row <- function(stat, domain, e) data.frame(stat = stat, domain = domain, term = names(coef(e)),
                                            estimate = unname(coef(e)), se = unname(SE(e)))
out <- row("mean", "", svymean(~y + x, des))
out <- rbind(out, row("total", "", svytotal(~y + x, des)))
for (v in sort(unique(d$g))) {
  sub <- subset(des, g == v)
  out <- rbind(out, row("mean", v, svymean(~y + x, sub)), row("total", v, svytotal(~y + x, sub)))
}
r <- svyratio(~y, ~x, des)
out <- rbind(out, data.frame(stat = "ratio", domain = "", term = "y/x",
                             estimate = as.numeric(coef(r)), se = as.numeric(SE(r))))
write.csv(out, args[2], row.names = FALSE)
"""


def _rscript() -> str:
    found = shutil.which("Rscript")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Rscript is missing: .ci/run installs r-cran-survey for this cross-check")
        pytest.skip("Rscript is not installed (apt-get install --no-install-recommends r-cran-survey)")
    return found


def _random_survey(seed: int) -> pd.DataFrame:
    """A stratified two-level sample with unequal weights, an fpc and one stratum holding a single PSU."""
    rng = np.random.default_rng(seed)
    psus_per_stratum = [1, *rng.integers(2, 9, size=5)]
    rows = []
    for stratum, count in enumerate(psus_per_stratum):
        population = int(count * rng.integers(3, 12))
        for psu in range(count):
            size = int(rng.integers(2, 15))
            rows.append(
                pd.DataFrame(
                    {
                        "stratum": stratum,
                        "psu": f"{stratum}-{psu}",
                        "fpc": population,
                        "w": rng.uniform(5, 80, size),
                        "y": rng.gamma(2.0, 3.0, size) + stratum,
                        "x": rng.uniform(1, 4, size),
                        "g": rng.choice(["north", "south", "east"], size),
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _ours(data: pd.DataFrame, lonely: str) -> pd.DataFrame:
    design = SurveyDesign.from_frame(
        data,
        weights="w",
        strata="stratum",
        psu="psu",
        fpc="fpc",
        lonely_psu=lonely,  # type: ignore[arg-type]
    )
    frames = [
        survey_mean(design, ["y", "x"]).to_frame(),
        survey_total(design, ["y", "x"]).to_frame(),
        survey_mean(design, ["y", "x"], by="g").to_frame(),
        survey_total(design, ["y", "x"], by="g").to_frame(),
        survey_ratio(design, "y", "x").to_frame(),
    ]
    table = pd.concat(frames, ignore_index=True)
    table["domain"] = table["domain"].fillna("").astype(str)
    return table.rename(columns={"statistic": "stat"})[["stat", "domain", "term", "estimate", "se"]]


@pytest.mark.parametrize("lonely", ["adjust", "average", "remove"])
@pytest.mark.parametrize("seed", [3, 11])
def test_taylor_estimates_match_r_survey_run_now(tmp_path: Path, seed: int, lonely: str) -> None:
    rscript = _rscript()
    data = _random_survey(seed)
    source, result, script = tmp_path / "survey.csv", tmp_path / "r.csv", tmp_path / "check.R"
    data.to_csv(source, index=False)
    script.write_text(R_SCRIPT)
    subprocess.run([rscript, str(script), str(source), str(result), lonely], check=True, capture_output=True)
    expected = pd.read_csv(result, keep_default_na=False)
    ours = _ours(data, lonely)
    merged = expected.merge(ours, on=["stat", "domain", "term"], suffixes=("_r", ""), validate="one_to_one")
    assert len(merged) == len(expected) == 2 + 2 + 3 * 4 + 1
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=1e-8)
    np.testing.assert_allclose(merged["se"], merged["se_r"], rtol=1e-8)
