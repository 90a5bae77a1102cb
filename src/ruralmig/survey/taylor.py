"""Estimators of means, totals, ratios and proportions, overall and by domain, with Taylor-linearised or
replicate variances.

Matches R ``survey`` 4.1 (``svymean``, ``svytotal``, ``svyratio``, ``svyby``) on ``svydesign`` designs
(:class:`SurveyDesign`, Taylor linearisation) and on ``svrepdesign`` designs (:class:`ReplicateDesign`: every
replicate estimated at once as a matrix product of the data with the records x replicates weights). Domains keep
every PSU and stratum of the design: the linearised values (or the weights) of records outside the domain are set
to zero, never dropped. Missing values with ``na_rm=True`` are handled the same way (complete cases over the
listed variables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from ruralmig.errors import InputError, Issue
from ruralmig.survey.calibration import FloatArray, IntArray
from ruralmig.survey.design import SurveyDesign
from ruralmig.survey.replicates import ReplicateDesign

__all__ = [
    "COLUMNS",
    "AnyDesign",
    "SurveyEstimate",
    "domain_masks",
    "domain_mean_variance",
    "survey_mean",
    "survey_proportion",
    "survey_ratio",
    "survey_total",
]

Interval = Literal["normal", "t"]
Statistic = Literal["mean", "total", "ratio", "proportion", "quantile", "coefficient"]
COLUMNS = ["statistic", "domain", "term", "estimate", "se", "ci_low", "ci_high", "deff", "df", "n"]
AnyDesign = SurveyDesign | ReplicateDesign


@dataclass(frozen=True)
class SurveyEstimate:
    """Estimates with standard errors, confidence intervals and design effects (one row per domain x term)."""

    statistic: Statistic
    table: pd.DataFrame
    level: float
    interval: Interval
    degrees_of_freedom: int
    by: str | None
    variance: str = "Taylor linearisation"

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: statistic, domain, term, estimate, se, ci_low, ci_high, deff, df, n (unweighted)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short printable summary."""
        header = (
            f"survey {self.statistic} ({self.variance}), {self.level:.0%} {self.interval} intervals, "
            f"design df {self.degrees_of_freedom}"
        )
        return header + "\n" + self.table.to_string(index=False)


def _as_list(variables: str | Sequence[str]) -> list[str]:
    return [variables] if isinstance(variables, str) else list(variables)


def _numeric_columns(design: AnyDesign, columns: list[str]) -> FloatArray:
    data = design.data
    arrays = []
    for column in columns:
        if column not in data.columns:
            raise InputError(Issue(file=design.source, column=column, reason="the variable is not in the data"))
        values = pd.to_numeric(data[column], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        not_numeric = np.isnan(values) & data[column].notna().to_numpy()
        if not_numeric.any():
            position = int(np.flatnonzero(not_numeric)[0])
            raise InputError(
                Issue(
                    file=design.source,
                    row=position + 1,
                    column=column,
                    value=str(data[column].iloc[position]),
                    reason="is not a number",
                ),
                total=int(not_numeric.sum()),
            )
        arrays.append(values)
    return np.column_stack(arrays)


def _complete_cases(design: AnyDesign, columns: list[str], na_rm: bool) -> FloatArray:
    """1.0 for records with every listed variable present; missing values fail unless ``na_rm``."""
    missing = design.data[columns].isna().to_numpy()
    if missing.any() and not na_rm:
        position, which = (int(i) for i in np.argwhere(missing)[0])
        raise InputError(
            Issue(
                file=design.source,
                row=position + 1,
                column=columns[which],
                reason="is missing; pass na_rm=True to treat missing values as outside the domain",
            ),
            total=int(missing.sum()),
        )
    result: FloatArray = np.asarray(~missing.any(axis=1), dtype=np.float64)
    return result


@dataclass(frozen=True)
class _Domains:
    """Each record's domain code (0..count-1; records outside every domain carry code 0 and inside False)."""

    codes: IntArray
    inside: npt.NDArray[np.bool_]
    labels: list[str]

    @property
    def count(self) -> int:
        return len(self.labels)


def _domains(design: AnyDesign, by: str | None, complete: FloatArray) -> _Domains:
    """Domain codes sorted as R's factor levels; incomplete records (``na_rm``) are outside every domain."""
    inside = complete > 0
    if by is None:
        return _Domains(np.zeros(design.record_count, dtype=np.intp), inside, [""])
    if by not in design.data.columns:
        raise InputError(Issue(file=design.source, column=by, reason="the domain column is not in the data"))
    values = design.data[by]
    missing = values.isna().to_numpy()
    if missing.any():
        position = int(np.flatnonzero(missing)[0])
        raise InputError(
            Issue(file=design.source, row=position + 1, column=by, reason="is missing; every record needs a domain"),
            total=int(missing.sum()),
        )
    codes, labels = pd.factorize(values, sort=True)
    return _Domains(codes.astype(np.intp), inside, [str(label) for label in labels])


def _critical_value(level: float, interval: Interval, degrees_of_freedom: int) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1; got {level!r}")
    if interval not in ("normal", "t"):
        raise ValueError(f"interval must be 'normal' or 't'; got {interval!r}")
    tail = 1.0 - (1.0 - level) / 2.0
    if interval == "normal":
        return float(stats.norm.ppf(tail))
    return float(stats.t.ppf(tail, degrees_of_freedom))


def _domain_sums(domains: _Domains, matrix: FloatArray) -> FloatArray:
    """Column sums of ``matrix`` (records x terms) by domain, over records inside a domain only."""
    kept = np.where(domains.inside[:, None], matrix, 0.0)
    sums = np.zeros((domains.count, matrix.shape[1]))
    for column in range(matrix.shape[1]):
        sums[:, column] = np.bincount(domains.codes, weights=kept[:, column], minlength=domains.count)
    return sums


def _variance(
    design: AnyDesign,
    domains: _Domains,
    estimate: FloatArray,
    scores: FloatArray,
    replicates: FloatArray | None,
) -> FloatArray:
    """Taylor variance from per-record scores, or the replicate variance of the replicate estimates."""
    if isinstance(design, ReplicateDesign):
        if replicates is None:
            raise ValueError("replicate estimates are needed for a replicate design")
        return design.replicate_variance(estimate, replicates)
    clean_scores = np.where(domains.inside[:, None] & np.isfinite(scores), scores, 0.0)
    return design.taylor_variance_by_domain(clean_scores, domains.codes, domains.count)


def variance_label(design: AnyDesign) -> str:
    """How the variance is computed, for summaries."""
    if isinstance(design, ReplicateDesign):
        return f"{design.kind} replicate weights, {design.replicate_count} replicates"
    return "Taylor linearisation"


def _assemble(
    design: AnyDesign,
    statistic: Statistic,
    by: str | None,
    domains: _Domains,
    terms: list[str],
    estimate: FloatArray,
    variance: FloatArray,
    srs_variance: FloatArray | None,
    level: float,
    interval: Interval,
) -> SurveyEstimate:
    """The tidy table from estimates and variances (domains x terms)."""
    term_count = estimate.shape[1]
    se = np.sqrt(variance)
    critical = _critical_value(level, interval, design.degrees_of_freedom)
    # deff is only offered where it is verified against R: the whole sample, no domain and no dropped records.
    whole_sample = by is None and bool(domains.inside.all()) and design.calibration is None
    deff = np.full_like(variance, np.nan)
    if srs_variance is not None and whole_sample:
        with np.errstate(divide="ignore", invalid="ignore"):
            deff = variance / srs_variance
    counts = np.bincount(domains.codes, weights=domains.inside.astype(np.float64), minlength=domains.count)
    table = pd.DataFrame(
        {
            "statistic": statistic,
            "domain": np.repeat(np.array(domains.labels, dtype=object), term_count) if by else None,
            "term": np.tile(np.array(terms, dtype=object), domains.count),
            "estimate": estimate.ravel(),
            "se": se.ravel(),
            "ci_low": (estimate - critical * se).ravel(),
            "ci_high": (estimate + critical * se).ravel(),
            "deff": deff.ravel(),
            "df": design.degrees_of_freedom,
            "n": np.repeat(counts, term_count).astype(np.int64),
        },
        columns=COLUMNS,
    )
    return SurveyEstimate(
        statistic=statistic,
        table=table,
        level=level,
        interval=interval,
        degrees_of_freedom=design.degrees_of_freedom,
        by=by,
        variance=variance_label(design),
    )


def _replicate_means(design: AnyDesign, values: FloatArray, domains: _Domains) -> FloatArray | None:
    """Domains x terms x replicates means under every replicate weight (None for a Taylor design)."""
    if not isinstance(design, ReplicateDesign):
        return None
    clean = np.where(np.isnan(values), 0.0, values)
    totals = _replicate_sums(design, domains, clean)
    population = _replicate_sums(design, domains, np.ones((len(clean), 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = totals / population
    return result


def _replicate_sums(design: ReplicateDesign, domains: _Domains, values: FloatArray) -> FloatArray:
    return design.replicate_totals(domains.codes, domains.inside, domains.count, values)


def _means(design: AnyDesign, values: FloatArray, domains: _Domains) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Domain means (domains x terms), per-record scores (records x terms) and R's SRS variances for deff.

    Score of a record in domain d: w (y - mean_d) / N_d. SRS variance: (1 - n/N) s2_w / n with
    s2_w = sum w (y - mean)^2 / N * n / (n - 1) (R's ``svyvar``).
    """
    clean = np.where(np.isnan(values), 0.0, values)
    weights = design.weights[:, None]
    population = _domain_sums(domains, weights)[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = _domain_sums(domains, weights * clean) / population[:, None]
        deviations = clean - estimate[domains.codes]
        scores = weights * deviations / population[domains.codes][:, None]
        sample = _domain_sums(domains, (weights > 0).astype(np.float64))[:, 0]
        squares = _domain_sums(domains, weights * deviations**2)
        variance = squares / population[:, None] * (sample / (sample - 1.0))[:, None]
        srs: FloatArray = (1.0 - sample / population)[:, None] * variance / sample[:, None]
    return estimate, scores, srs


def survey_mean(
    design: AnyDesign,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Weighted means with Taylor SEs and design effects (R ``svymean(deff=TRUE)``, ``svyby``).

    ``deff`` is given for whole-sample estimates only (NaN for domains and with records dropped by ``na_rm``).
    ``interval="normal"`` is R's ``confint`` default; ``"t"`` uses the design degrees of freedom.
    """
    columns = _as_list(variables)
    values = _numeric_columns(design, columns)
    domains = _domains(design, by, _complete_cases(design, columns, na_rm))
    estimate, scores, srs = _means(design, values, domains)
    variance = _variance(design, domains, estimate, scores, _replicate_means(design, values, domains))
    return _assemble(design, "mean", by, domains, columns, estimate, variance, srs, level, interval)


def survey_total(
    design: AnyDesign,
    variables: str | Sequence[str],
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Weighted totals with Taylor SEs and design effects (R ``svytotal(deff=TRUE)``, ``svyby``)."""
    columns = _as_list(variables)
    values = _numeric_columns(design, columns)
    domains = _domains(design, by, _complete_cases(design, columns, na_rm))
    clean = np.where(np.isnan(values), 0.0, values)
    scores = design.weights[:, None] * clean
    estimate = _domain_sums(domains, scores)
    _, _, srs_mean = _means(design, values, domains)
    population = _domain_sums(domains, design.weights[:, None])
    srs = srs_mean * population**2
    replicates = None
    if isinstance(design, ReplicateDesign):
        replicates = _replicate_sums(design, domains, clean)
    variance = _variance(design, domains, estimate, scores, replicates)
    return _assemble(design, "total", by, domains, columns, estimate, variance, srs, level, interval)


def survey_ratio(
    design: AnyDesign,
    numerator: str | Sequence[str],
    denominator: str | Sequence[str],
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Ratios of totals Y/X with Taylor SEs (R ``svyratio``); terms are named ``numerator/denominator``.

    Numerators and denominators are paired in order. No design effect is computed (R's default).
    """
    tops, bottoms = _as_list(numerator), _as_list(denominator)
    if len(tops) != len(bottoms):
        raise ValueError(f"numerator and denominator must list as many variables; got {len(tops)} and {len(bottoms)}")
    top = _numeric_columns(design, tops)
    bottom = _numeric_columns(design, bottoms)
    domains = _domains(design, by, _complete_cases(design, tops + bottoms, na_rm))
    weights = design.weights[:, None]
    top = np.where(np.isnan(top), 0.0, top)
    bottom = np.where(np.isnan(bottom), 0.0, bottom)
    bottom_total = _domain_sums(domains, weights * bottom)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = _domain_sums(domains, weights * top) / bottom_total
        ratio = estimate[domains.codes]
        scores = weights * (top - ratio * bottom) / bottom_total[domains.codes]
    terms = [f"{a}/{b}" for a, b in zip(tops, bottoms, strict=True)]
    replicates = None
    if isinstance(design, ReplicateDesign):
        with np.errstate(divide="ignore", invalid="ignore"):
            replicates = _replicate_sums(design, domains, top) / _replicate_sums(design, domains, bottom)
    variance = _variance(design, domains, estimate, scores, replicates)
    return _assemble(design, "ratio", by, domains, terms, estimate, variance, None, level, interval)


def survey_proportion(
    design: AnyDesign,
    variable: str,
    *,
    by: str | None = None,
    na_rm: bool = False,
    level: float = 0.95,
    interval: Interval = "normal",
) -> SurveyEstimate:
    """Proportions of each level of a categorical variable (R ``svymean(~factor)``); terms ``<variable><level>``.

    Intervals are Wald intervals like R's ``confint``; ``svyciprop``-style intervals are not offered yet.
    """
    if variable not in design.data.columns:
        raise InputError(Issue(file=design.source, column=variable, reason="the variable is not in the data"))
    domains = _domains(design, by, _complete_cases(design, [variable], na_rm))
    codes, levels = pd.factorize(design.data[variable], sort=True)
    indicators = np.zeros((design.record_count, len(levels)))
    rows = np.flatnonzero(codes >= 0)
    indicators[rows, codes[rows]] = 1.0
    estimate, scores, srs = _means(design, indicators, domains)
    variance = _variance(design, domains, estimate, scores, _replicate_means(design, indicators, domains))
    terms = [f"{variable}{level_name}" for level_name in levels]
    return _assemble(design, "proportion", by, domains, terms, estimate, variance, srs, level, interval)


def domain_mean_variance(
    design: AnyDesign, values: FloatArray, inside: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray]:
    """Means of the columns of ``values`` over the records ``inside`` one domain, and their design variances
    (Taylor or replicate); the whole design stays in the variance."""
    domains = _Domains(np.zeros(design.record_count, dtype=np.intp), inside, [""])
    estimate, scores, _ = _means(design, values, domains)
    variance = _variance(design, domains, estimate, scores, _replicate_means(design, values, domains))
    return estimate[0], variance[0]


def domain_masks(
    design: AnyDesign, by: str | None, complete: FloatArray
) -> tuple[list[str], list[npt.NDArray[np.bool_]]]:
    """Labels and record masks of each domain of ``by`` (one domain when None), complete records only."""
    domains = _domains(design, by, complete)
    masks = [domains.inside & (domains.codes == code) for code in range(domains.count)]
    return domains.labels, masks
