"""Variance-based (Sobol) sensitivity of a composite index's ranks to the analyst's choices, via SALib.

The uncertain factors are the normalisation method, the aggregation rule and the weights. Each is one SALib
variable on [0, 1) mapped to a discrete alternative: ``normalisation`` and ``aggregation`` pick from their lists,
``weights`` picks one of ``n_weight_sets`` weight sets drawn with the seed (every weight multiplied by a uniform
factor in [1 − p, 1 + p]). A factor with a single alternative is left out. The design is SALib's Sobol'
(Saltelli) sample without second-order terms, N × (d + 2) runs, computed with the vectorised engine of
:mod:`ruralmig.index.uncertainty`.

Outputs: first-order and total indices (with SALib's bootstrap confidence intervals) of the mean absolute rank
shift against the nominal ranks, and of each unit's rank (same estimators as SALib, vectorised over units).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ruralmig.errors import InputError, Issue
from ruralmig.index._estimator import Estimator
from ruralmig.index.definition import IndexDefinition
from ruralmig.index.uncertainty import (
    AGGREGATION_CHOICES,
    IMPUTATION_CHOICES,
    NORMALISATION_CHOICES,
    check_choices,
    check_integer,
    check_perturbation,
    check_seed,
    prepare,
    rank_descending,
)

__all__ = ["SensitivityResult", "SobolSensitivity", "sobol_indices"]

Array = NDArray[np.float64]
_FITTED = ("result_", "seed_", "definition_")


def sobol_indices(outputs: Array, factors: int) -> tuple[Array, Array]:
    """First-order and total Sobol indices of each output column from a SALib Sobol' sample without second order.

    ``outputs`` is (N × (factors + 2)) × outputs, in SALib's row order; the estimators are SALib's (Saltelli 2010
    first order, Jansen total) after centring each output, as SALib does. An output with no variance gets zeros;
    one with missing values gets NaN.
    """
    outputs = outputs - outputs.mean(axis=0)
    step = factors + 2
    a, b = outputs[0::step], outputs[step - 1 :: step]
    variance = np.var(np.concatenate([a, b]), axis=0)
    first = np.empty((factors, outputs.shape[1]))
    total = np.empty((factors, outputs.shape[1]))
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(factors):
            ab = outputs[j + 1 :: step]
            first[j] = np.mean(b * (ab - a), axis=0) / variance
            total[j] = 0.5 * np.mean((a - ab) ** 2, axis=0) / variance
    constant = variance == 0
    first[:, constant] = 0.0
    total[:, constant] = 0.0
    return first, total


@dataclass(frozen=True)
class SensitivityResult:
    """Sobol indices of the mean absolute rank shift (with confidence half-widths) and of each unit's rank."""

    factors: tuple[str, ...]
    first_order: Array
    first_order_conf: Array
    total_order: Array
    total_order_conf: Array
    units: NDArray[Any]
    unit_first_order: Array  # factors × units
    unit_total_order: Array
    runs: int
    seed: int
    parameters: Mapping[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: target (``mean_rank_shift`` or ``rank``), unit, factor, first_order, total_order (+ conf)."""
        shift = pd.DataFrame(
            {
                "target": "mean_rank_shift",
                "unit": None,
                "factor": list(self.factors),
                "first_order": self.first_order,
                "first_order_conf": self.first_order_conf,
                "total_order": self.total_order,
                "total_order_conf": self.total_order_conf,
            }
        )
        count = len(self.units)
        ranks = pd.DataFrame(
            {
                "target": "rank",
                "unit": np.tile(self.units, len(self.factors)),
                "factor": np.repeat(np.array(self.factors, dtype=object), count),
                "first_order": self.unit_first_order.ravel(),
                "first_order_conf": np.nan,
                "total_order": self.unit_total_order.ravel(),
                "total_order_conf": np.nan,
            }
        )
        return pd.concat([shift, ranks], ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """One row per factor: indices of the mean rank shift and the mean over units of the rank indices."""
        return pd.DataFrame(
            {
                "first_order": self.first_order,
                "total_order": self.total_order,
                "unit_mean_first_order": np.nanmean(self.unit_first_order, axis=1),
                "unit_mean_total_order": np.nanmean(self.unit_total_order, axis=1),
            },
            index=pd.Index(self.factors, name="factor"),
        )


def _pick(column: Array, count: int) -> NDArray[np.intp]:
    picked: NDArray[np.intp] = np.minimum((column * count).astype(np.intp), count - 1)
    return picked


class SobolSensitivity(Estimator):
    """Sobol first-order and total indices of the ranks with respect to the analyst's choices (SALib).

    Parameters
    ----------
    definition, unit_column, period, imputations, normalisations, aggregations, weight_perturbation, chunk_size:
        As for :class:`~ruralmig.index.uncertainty.UncertaintyAnalysis`; each of them that offers more than one
        alternative is a factor (imputation, normalisation, aggregation, weights).
    n_weight_sets:
        Number of perturbed weight sets the ``weights`` factor chooses from.
    n_base:
        SALib's base sample size N (a power of two); the model runs N × (d + 2) times.
    num_resamples:
        Bootstrap resamples for SALib's confidence intervals.
    seed:
        Seeds the weight sets, the scrambled Sobol' sequence and the bootstrap; ``None`` draws one (recorded).
    """

    fitted_attributes = _FITTED

    def __init__(
        self,
        *,
        definition: IndexDefinition | str | Path | Mapping[str, Any],
        unit_column: str = "unit",
        period: Any = None,
        imputations: Sequence[str] = ("nominal",),
        normalisations: Sequence[str] = ("nominal", "minmax", "rank"),
        aggregations: Sequence[str] = ("arithmetic", "geometric"),
        weight_perturbation: float = 0.2,
        n_weight_sets: int = 64,
        n_base: int = 256,
        num_resamples: int = 100,
        chunk_size: int = 256,
        seed: int | None = None,
    ) -> None:
        self.definition = definition
        self.unit_column = unit_column
        self.period = period
        self.imputations = imputations
        self.normalisations = normalisations
        self.aggregations = aggregations
        self.weight_perturbation = weight_perturbation
        self.n_weight_sets = n_weight_sets
        self.n_base = n_base
        self.num_resamples = num_resamples
        self.chunk_size = chunk_size
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> SobolSensitivity:
        """Sample the choices, run the index for every sample and estimate the Sobol indices."""
        imputations = check_choices("imputations", self.imputations, IMPUTATION_CHOICES)
        normalisations = check_choices("normalisations", self.normalisations, NORMALISATION_CHOICES)
        aggregations = check_choices("aggregations", self.aggregations, AGGREGATION_CHOICES)
        perturbation = check_perturbation(self.weight_perturbation)
        weight_sets = check_integer("n_weight_sets", self.n_weight_sets, 1)
        n_base = check_integer("n_base", self.n_base, 2)
        if n_base & (n_base - 1):
            raise InputError(
                Issue("parameters", "must be a power of two (Sobol' sequences)", column="n_base", value=repr(n_base))
            )
        num_resamples = check_integer("num_resamples", self.num_resamples, 1)
        chunk_size = check_integer("chunk_size", self.chunk_size, 1)
        seed = check_seed(self.seed)
        counts = {
            "normalisation": len(normalisations),
            "aggregation": len(aggregations),
            "weights": weight_sets if perturbation > 0 else 1,
            "imputation": len(imputations),
        }
        factors = tuple(name for name, count in counts.items() if count > 1)
        if not factors:
            raise InputError(
                Issue(
                    "parameters",
                    "nothing varies: give two or more imputations, normalisations or aggregations, "
                    "or a weight_perturbation > 0",
                    column="normalisations",
                )
            )
        definition, model, nominal = prepare(
            self.definition, data, self.unit_column, self.period, normalisations, aggregations, imputations
        )
        rng = np.random.default_rng(seed)
        sets = [rng.uniform(1.0 - perturbation, 1.0 + perturbation, size=(weight_sets, n)) for n in model.edge_counts]
        problem = {"num_vars": len(factors), "names": list(factors), "bounds": [[0.0, 1.0]] * len(factors)}
        sample = np.asarray(sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed), dtype=float)
        runs = sample.shape[0]
        chosen = {name: np.zeros(runs, dtype=np.intp) for name in counts}
        for j, name in enumerate(factors):
            chosen[name] = _pick(sample[:, j], counts[name])
        nominal_rank = rank_descending(nominal.to_numpy(dtype=float))
        ranks = np.empty((runs, len(model.units)))
        for start in range(0, runs, chunk_size):
            part = slice(start, min(start + chunk_size, runs))
            if perturbation > 0:
                factors_now = [s[chosen["weights"][part]] for s in sets]
            else:
                factors_now = [np.ones((part.stop - part.start, n)) for n in model.edge_counts]
            alternative = chosen["imputation"][part] * len(normalisations) + chosen["normalisation"][part]
            scores = model.root_scores(alternative, chosen["aggregation"][part], factors_now)
            ranks[part] = rank_descending(scores)
        gaps = np.abs(ranks - nominal_rank[np.newaxis, :])
        usable = ~np.isnan(gaps)
        shift = np.where(usable, gaps, 0.0).sum(axis=1) / np.maximum(usable.sum(axis=1), 1)
        first, first_conf, total, total_conf = self._analyse(problem, shift, num_resamples, seed)
        unit_first, unit_total = sobol_indices(ranks, len(factors))
        self.definition_ = definition
        self.seed_ = seed
        self.result_ = SensitivityResult(
            factors=factors,
            first_order=first,
            first_order_conf=first_conf,
            total_order=total,
            total_order_conf=total_conf,
            units=model.units,
            unit_first_order=unit_first,
            unit_total_order=unit_total,
            runs=runs,
            seed=seed,
            parameters={
                "imputations": imputations,
                "normalisations": normalisations,
                "aggregations": aggregations,
                "weight_perturbation": perturbation,
                "n_weight_sets": weight_sets,
                "n_base": n_base,
                "num_resamples": num_resamples,
                "period": model.period,
                "seed": seed,
            },
        )
        return self

    @staticmethod
    def _analyse(
        problem: Mapping[str, Any], output: Array, num_resamples: int, seed: int
    ) -> tuple[Array, Array, Array, Array]:
        """SALib's estimates with bootstrap confidence; a constant output has all indices zero."""
        count = int(problem["num_vars"])
        if np.var(output) == 0:
            zeros = np.zeros(count)
            return zeros, zeros.copy(), zeros.copy(), zeros.copy()
        found = sobol_analyze.analyze(
            dict(problem), output, calc_second_order=False, num_resamples=num_resamples, seed=seed
        )
        return (
            np.asarray(found["S1"], dtype=float),
            np.asarray(found["S1_conf"], dtype=float),
            np.asarray(found["ST"], dtype=float),
            np.asarray(found["ST_conf"], dtype=float),
        )

    def to_frame(self) -> pd.DataFrame:
        """The fitted result as a tidy table (see :meth:`SensitivityResult.to_frame`)."""
        return self.result_.to_frame()
