"""Survey GLMs (gaussian, quasibinomial) against independent computations on small synthetic designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

from ruralmig.errors import InputError
from ruralmig.survey import SurveyDesign, survey_glm


def sample(seed: int = 9, strata: int = 3, psus: int = 4, records: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = strata * psus * records
    x1 = rng.normal(0.0, 1.0, n)
    x2 = rng.uniform(0.0, 2.0, n)
    return pd.DataFrame(
        {
            "stratum": np.repeat(np.arange(strata), psus * records),
            "psu": np.repeat(np.arange(strata * psus), records),
            "w": rng.uniform(1.0, 3.0, n),
            "x1": x1,
            "x2": x2,
            "y": 2.0 + 1.5 * x1 - 0.5 * x2 + rng.normal(0.0, 1.0, n),
            "event": (rng.random(n) < special.expit(-0.3 + 0.8 * x1)).astype(float),
            "kind": rng.choice(["a", "b", "c"], n),
        }
    )


def design_of(frame: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign.from_frame(frame, weights="w", strata="stratum", psu="psu")


def sandwich_se(frame: pd.DataFrame, x: np.ndarray, score: np.ndarray, bread: np.ndarray) -> np.ndarray:
    """Stratified with-replacement sandwich written with plain pandas group-bys (independent of the engine)."""
    influence = pd.DataFrame(score @ bread).assign(stratum=frame["stratum"], psu=frame["psu"])
    total = np.zeros((x.shape[1], x.shape[1]))
    for _, part in influence.groupby("stratum"):
        sums = part.groupby("psu").sum().drop(columns="stratum").to_numpy()
        centred = sums - sums.mean(axis=0)
        total += len(sums) / (len(sums) - 1) * centred.T @ centred
    return np.sqrt(np.diag(total))


def test_gaussian_coefficients_are_weighted_least_squares_with_sandwich_se() -> None:
    frame = sample()
    result = survey_glm(design_of(frame), "y", ["x1", "x2"]).to_frame().set_index("term")
    x = np.column_stack([np.ones(len(frame)), frame["x1"], frame["x2"]])
    w = frame["w"].to_numpy()
    beta = np.linalg.solve(x.T @ (w[:, None] * x), x.T @ (w * frame["y"].to_numpy()))
    np.testing.assert_allclose(result["estimate"].to_numpy(), beta, rtol=1e-10)
    residual = frame["y"].to_numpy() - x @ beta
    se = sandwich_se(frame, x, x * (w * residual)[:, None], np.linalg.inv(x.T @ (w[:, None] * x)))
    np.testing.assert_allclose(result["se"].to_numpy(), se, rtol=1e-10)
    assert list(result.index) == ["(Intercept)", "x1", "x2"]
    assert (result["df"] == 12 - 3 + 1 - 3).all()  # design df + 1 - coefficients, as R


def test_quasibinomial_solves_the_weighted_score_equations() -> None:
    frame = sample()
    result = survey_glm(design_of(frame), "event", ["x1"], family="quasibinomial").to_frame()
    x = np.column_stack([np.ones(len(frame)), frame["x1"]])
    w, y = frame["w"].to_numpy(), frame["event"].to_numpy()

    def negative_log_likelihood(beta: np.ndarray) -> float:
        eta = x @ beta
        return float(-np.sum(w * (y * eta - np.logaddexp(0.0, eta))))

    best = optimize.minimize(negative_log_likelihood, np.zeros(2), method="BFGS", options={"gtol": 1e-10}).x
    np.testing.assert_allclose(result["estimate"].to_numpy(), best, rtol=1e-5)
    mu = special.expit(x @ result["estimate"].to_numpy())
    bread = np.linalg.inv(x.T @ ((w * mu * (1 - mu))[:, None] * x))
    se = sandwich_se(frame, x, x * (w * (y - mu))[:, None], bread)
    np.testing.assert_allclose(result["se"].to_numpy(), se, rtol=1e-6)


def test_replicate_refits_match_a_loop_over_replicates() -> None:
    frame = sample()
    replicate = design_of(frame).to_replicate("JKn")
    result = survey_glm(replicate, "y", ["x1", "x2"]).to_frame()
    x = np.column_stack([np.ones(len(frame)), frame["x1"], frame["x2"]])
    y = frame["y"].to_numpy()

    def fit(weights: np.ndarray) -> np.ndarray:
        return np.linalg.solve(x.T @ (weights[:, None] * x), x.T @ (weights * y))

    full = fit(replicate.weights)
    betas = np.array([fit(replicate.replicate_weights[:, r]) for r in range(replicate.replicate_count)])
    variance = replicate.scale * (replicate.rscales[:, None] * (betas - betas.mean(axis=0)) ** 2).sum(axis=0)
    np.testing.assert_allclose(result["estimate"].to_numpy(), full, rtol=1e-10)
    np.testing.assert_allclose(result["se"].to_numpy(), np.sqrt(variance), rtol=1e-8)
    logistic = survey_glm(replicate, "event", ["x1"], family="quasibinomial").to_frame()
    assert np.all(np.isfinite(logistic["se"]))
    assert np.all(logistic["se"] > 0)


def test_categorical_predictors_missing_values_and_bad_input() -> None:
    frame = sample()
    frame.loc[[0, 5], "x1"] = np.nan
    design = design_of(frame)
    result = survey_glm(design, "y", ["x1", "kind"]).to_frame()
    assert list(result["term"]) == ["(Intercept)", "x1", "kindb", "kindc"]
    assert (result["n"] == len(frame) - 2).all()
    with pytest.raises(InputError, match="predictor is not in the data") as missing:
        survey_glm(design, "y", ["x3"])
    assert missing.value.column == "x3"
    with pytest.raises(InputError, match=r"must lie in \[0, 1\]"):
        survey_glm(design, "y", ["x2"], family="quasibinomial")
    with pytest.raises(ValueError, match="collinear"):
        survey_glm(design_of(frame.assign(x3=2 * frame["x2"])), "y", ["x2", "x3"])
    with pytest.raises(ValueError, match="family must be"):
        survey_glm(design, "y", ["x2"], family="poisson")  # type: ignore[arg-type]
