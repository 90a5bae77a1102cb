"""Uncertainty analysis of composite indices: a Monte Carlo over the analyst's choices.

Each replication draws one imputation method (used for every indicator), one normalisation method (used for every
indicator), one aggregation rule (used for every node) and weights perturbed uniformly by ± ``weight_perturbation``
(relative, independently on every edge of the tree), then recomputes the index for the units of one period and
ranks them (rank 1 = highest score).

Work is vectorised over replications × units × indicators; the only Python loops run over tree nodes, the few
choice alternatives and chunks of replications (which keep memory bounded). Rank distributions are accumulated
as per-unit rank counts, so memory does not grow with the number of replications. Each imputation alternative
(``nominal`` = the definition's own ``impute:`` rules, ``none``, or one method for every indicator) is computed
once, before the replications; PCA weights are fixed at their nominal values (then perturbed like any other weight).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ruralmig.errors import InputError, Issue
from ruralmig.index._estimator import Estimator
from ruralmig.index.composite import CompositeIndex, _resolve
from ruralmig.index.definition import IndexDefinition
from ruralmig.index.impute import impute_values
from ruralmig.index.replications import AGGREGATION_CHOICES, ChoiceModel, aggregate_replications, rank_descending

__all__ = [
    "AGGREGATION_CHOICES",
    "IMPUTATION_CHOICES",
    "NORMALISATION_CHOICES",
    "ChoiceModel",
    "UncertaintyAnalysis",
    "UncertaintyResult",
    "aggregate_replications",
    "rank_descending",
]

Array = NDArray[np.float64]
NORMALISATION_CHOICES = ("nominal", "minmax", "zscore", "rank")
IMPUTATION_CHOICES = ("nominal", "none", "group_mean", "regression", "last_observation")
_FITTED = ("result_", "seed_", "definition_")


# --- the estimator -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UncertaintyResult:
    """Nominal score and rank per unit, with the Monte Carlo rank distribution summarised."""

    units: NDArray[Any]
    period: Any
    nominal_score: Array
    nominal_rank: Array
    median_rank: Array
    mean_rank: Array
    rank_low: Array
    rank_high: Array
    interval: tuple[float, float]
    rank_counts: NDArray[np.int64]  # units × (units + 1): how often each unit took each rank
    normalisation: NDArray[np.intp]  # chosen alternative per replication
    aggregation: NDArray[np.intp]
    mean_rank_shift: Array  # per replication: mean |rank - nominal rank| over units
    seed: int
    parameters: Mapping[str, Any]
    imputation: NDArray[np.intp] | None = None  # chosen imputation alternative per replication
    score_low: Array | None = None  # root-score quantiles per unit, over replications with the nominal normalisation
    score_high: Array | None = None

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per unit: scores, nominal/median/mean rank and the rank interval."""
        low, high = self.interval
        return pd.DataFrame(
            {
                "unit": self.units,
                "period": [self.period] * len(self.units),
                "nominal_score": self.nominal_score,
                "nominal_rank": self.nominal_rank,
                "median_rank": self.median_rank,
                "mean_rank": self.mean_rank,
                f"rank_q{_percent(low)}": self.rank_low,
                f"rank_q{_percent(high)}": self.rank_high,
                "rank_interval_width": self.rank_high - self.rank_low,
                f"score_q{_percent(low)}": _or_nan(self.score_low, len(self.units)),
                f"score_q{_percent(high)}": _or_nan(self.score_high, len(self.units)),
            }
        )

    def replications(self) -> pd.DataFrame:
        """One row per replication: the imputation, normalisation and aggregation drawn, and the mean rank shift."""
        imputations = np.asarray(self.parameters.get("imputations", ("nominal",)), dtype=object)
        drawn = np.zeros(len(self.normalisation), dtype=np.intp) if self.imputation is None else self.imputation
        return pd.DataFrame(
            {
                "replication": np.arange(len(self.normalisation)),
                "imputation": imputations[drawn],
                "normalisation": np.asarray(self.parameters["normalisations"], dtype=object)[self.normalisation],
                "aggregation": np.asarray(self.parameters["aggregations"], dtype=object)[self.aggregation],
                "mean_rank_shift": self.mean_rank_shift,
            }
        )

    def summary(self) -> pd.Series:
        """Replications, seed, the mean of the mean absolute rank shift and the mean rank-interval width."""
        return pd.Series(
            {
                "replications": len(self.mean_rank_shift),
                "seed": self.seed,
                "mean_rank_shift": float(np.nanmean(self.mean_rank_shift)) if len(self.mean_rank_shift) else np.nan,
                "mean_interval_width": float(np.nanmean(self.rank_high - self.rank_low)),
            }
        )


def _parameter_error(name: str, reason: str, value: Any) -> InputError:
    return InputError(Issue("parameters", reason, column=name, value=repr(value)))


def check_choices(name: str, given: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty tuple of distinct allowed names, or an error naming the parameter."""
    if isinstance(given, str) or not isinstance(given, Sequence) or not given:
        raise _parameter_error(name, f"must be a non-empty list drawn from {', '.join(allowed)}", given)
    unknown = [item for item in given if item not in allowed]
    if unknown:
        raise _parameter_error(name, f"must be drawn from {', '.join(allowed)} (unknown: {unknown!r})", given)
    if len(set(given)) != len(given):
        raise _parameter_error(name, "must not repeat a choice", given)
    return tuple(given)


def check_integer(name: str, given: Any, minimum: int) -> int:
    """An int >= minimum, or an error naming the parameter."""
    if isinstance(given, bool) or not isinstance(given, int | np.integer) or given < minimum:
        raise _parameter_error(name, f"must be an integer >= {minimum}", given)
    return int(given)


def check_perturbation(given: Any) -> float:
    """The relative weight perturbation, in [0, 1)."""
    if isinstance(given, bool) or not isinstance(given, int | float) or not 0.0 <= float(given) < 1.0:
        raise _parameter_error("weight_perturbation", "must be a number in [0, 1) (0.2 means ± 20 %)", given)
    return float(given)


def check_seed(given: Any) -> int:
    """The seed as a non-negative int; ``None`` draws fresh entropy (recorded with the result)."""
    if given is None:
        entropy = np.random.SeedSequence().entropy
        return int(entropy if isinstance(entropy, int) else 0) % (2**63)
    if isinstance(given, bool) or not isinstance(given, int | np.integer) or given < 0:
        raise _parameter_error("seed", "must be a non-negative integer or None", given)
    return int(given)


def prepare(
    definition: IndexDefinition | str | Path | Mapping[str, Any],
    data: pd.DataFrame,
    unit_column: str,
    period: Any,
    normalisations: tuple[str, ...],
    aggregations: tuple[str, ...],
    imputations: tuple[str, ...] = ("nominal",),
    absent: str = "raise",
) -> tuple[IndexDefinition, ChoiceModel, pd.Series]:
    """Resolve the definition, check the data, build the choice model and the nominal root scores of ``period``."""
    fitted = CompositeIndex(definition=_resolve(definition), unit_column=unit_column, absent=absent).fit(data)
    resolved = fitted.resolved_definition_  # data-driven weights (PCA) fixed at their nominal values
    nominal = fitted.scores_[resolved.root]
    values = fitted.values_  # after the definition's imputation
    periods = values.index.get_level_values(1)
    if period is None:
        period = periods.max()
    elif period not in set(periods):
        raise _parameter_error("period", f"is not a period of the data ({len(set(periods))} periods)", period)
    alternatives = [_imputed(fitted, resolved, method) for method in imputations]
    model = ChoiceModel.build_alternatives(resolved, alternatives, imputations, period, normalisations, aggregations)
    return resolved, model, nominal[nominal.index.get_level_values(1) == period]


def _imputed(fitted: CompositeIndex, definition: IndexDefinition, method: str) -> pd.DataFrame:
    """The raw values under one imputation alternative."""
    if method == "nominal":
        return fitted.values_
    if method == "none":
        return fitted.observed_
    every = {name: method for name in definition.used_indicators()}
    filled, _, _ = impute_values(fitted.observed_, definition, groups=fitted.groups, methods=every)
    return filled


class UncertaintyAnalysis(Estimator):
    """Monte Carlo uncertainty analysis of a composite index's ranks (scikit-learn style estimator).

    Parameters
    ----------
    definition, unit_column:
        As for :class:`~ruralmig.index.CompositeIndex`.
    period:
        The period whose units are ranked (default: the latest in the data).
    imputations:
        Alternatives drawn with equal probability: ``nominal`` (the definition's ``impute:`` rules), ``none``
        (missing values stay missing), or ``group_mean``, ``regression``, ``last_observation`` for every indicator.
    normalisations:
        Alternatives drawn with equal probability: ``nominal`` (each indicator's own rule), ``minmax``, ``zscore``,
        ``rank``. z-scores can be negative and so cannot feed geometric or harmonic means.
    aggregations:
        Alternatives applied to every node: ``nominal`` (each node's own rule) or a rule name.
    weight_perturbation:
        Every weight is multiplied by a factor drawn uniformly from [1 − p, 1 + p].
    n_replications, chunk_size:
        Replications in all, and per vectorised batch (memory is about chunk_size × units × indicators × 8 bytes ×
        a few).
    interval:
        Lower and upper rank quantiles reported.
    seed:
        Seed of the numpy Generator; ``None`` draws one, recorded in ``seed_`` and the result.
    absent:
        As for :class:`~ruralmig.index.CompositeIndex`: ``"raise"`` when an indicator of the definition has no
        data, or ``"missing"`` to count it as missing everywhere (coverage rules then decide what scores).
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
        n_replications: int = 1000,
        chunk_size: int = 256,
        interval: tuple[float, float] = (0.05, 0.95),
        seed: int | None = None,
        absent: str = "raise",
    ) -> None:
        self.definition = definition
        self.unit_column = unit_column
        self.period = period
        self.imputations = imputations
        self.normalisations = normalisations
        self.aggregations = aggregations
        self.weight_perturbation = weight_perturbation
        self.n_replications = n_replications
        self.chunk_size = chunk_size
        self.interval = interval
        self.seed = seed
        self.absent = absent

    def _checked(self) -> dict[str, Any]:
        interval = self.interval
        if (
            not isinstance(interval, tuple | list)
            or len(interval) != 2
            or not all(isinstance(q, int | float) and not isinstance(q, bool) for q in interval)
            or not 0.0 <= interval[0] < interval[1] <= 1.0
        ):
            raise _parameter_error("interval", "must be two quantiles (low, high) with 0 <= low < high <= 1", interval)
        return {
            "imputations": check_choices("imputations", self.imputations, IMPUTATION_CHOICES),
            "normalisations": check_choices("normalisations", self.normalisations, NORMALISATION_CHOICES),
            "aggregations": check_choices("aggregations", self.aggregations, AGGREGATION_CHOICES),
            "weight_perturbation": check_perturbation(self.weight_perturbation),
            "n_replications": check_integer("n_replications", self.n_replications, 1),
            "chunk_size": check_integer("chunk_size", self.chunk_size, 1),
            "interval": (float(interval[0]), float(interval[1])),
        }

    def fit(self, data: pd.DataFrame) -> UncertaintyAnalysis:
        """Run the replications on ``data`` (long or wide, as for CompositeIndex) and summarise the ranks."""
        settings = self._checked()
        seed = check_seed(self.seed)
        definition, model, nominal = prepare(
            self.definition,
            data,
            self.unit_column,
            self.period,
            settings["normalisations"],
            settings["aggregations"],
            settings["imputations"],
            self.absent,
        )
        replications, perturbation = settings["n_replications"], settings["weight_perturbation"]
        # One stream per choice, drawn chunk by chunk: the draws do not depend on chunk_size, and only the
        # choice indices (not the weights) are kept for all replications.
        children = np.random.SeedSequence(seed).spawn(3 + len(model.nodes))  # the last one draws imputations
        streams = [np.random.default_rng(child) for child in children]
        imputation = np.zeros(replications, dtype=np.intp)
        normalisation = np.empty(replications, dtype=np.intp)
        aggregation = np.empty(replications, dtype=np.intp)
        nominal_score = nominal.to_numpy(dtype=float)
        nominal_rank = rank_descending(nominal_score)
        units = len(model.units)
        counts = np.zeros(units * (units + 1), dtype=np.int64)
        shift = np.empty(replications)
        root_scores = np.empty((replications, units), dtype=np.float32)  # 10,000 × 200 units = 8 MB
        unit_offset = (np.arange(units) * (units + 1))[np.newaxis, :]
        for start in range(0, replications, settings["chunk_size"]):
            part = slice(start, min(start + settings["chunk_size"], replications))
            size = part.stop - part.start
            normalisation[part] = streams[0].integers(0, len(model.normalisations), size=size)
            aggregation[part] = streams[1].integers(0, len(model.aggregations), size=size)
            factors = [
                stream.uniform(1.0 - perturbation, 1.0 + perturbation, size=(size, n))
                for stream, n in zip(streams[2:-1], model.edge_counts, strict=True)
            ]
            if len(model.imputations) > 1:
                imputation[part] = streams[-1].integers(0, len(model.imputations), size=size)
            alternative = imputation[part] * len(model.normalisations) + normalisation[part]
            scores_now = model.root_scores(alternative, aggregation[part], factors)
            root_scores[part] = scores_now
            ranks = rank_descending(scores_now)
            valid = ~np.isnan(ranks)
            cells = (unit_offset + np.where(valid, ranks, 0).astype(np.int64))[valid]
            counts += np.bincount(cells, minlength=counts.size)
            with np.errstate(invalid="ignore"):
                gaps = np.abs(ranks - nominal_rank[np.newaxis, :])
                usable = ~np.isnan(gaps)
                shift[part] = np.where(usable, gaps, 0.0).sum(axis=1) / np.maximum(usable.sum(axis=1), 1)
        table = counts.reshape(units, units + 1)
        low, high = settings["interval"]
        score_low, score_high = _score_interval(root_scores, normalisation, model.normalisations, (low, high))
        self.definition_ = definition
        self.seed_ = seed
        self.result_ = UncertaintyResult(
            units=model.units,
            period=model.period,
            nominal_score=nominal_score,
            nominal_rank=nominal_rank,
            median_rank=rank_quantile(table, 0.5),
            mean_rank=_mean_rank(table),
            rank_low=rank_quantile(table, low),
            rank_high=rank_quantile(table, high),
            interval=(low, high),
            rank_counts=table,
            normalisation=normalisation,
            aggregation=aggregation,
            mean_rank_shift=shift,
            seed=seed,
            parameters={**settings, "period": model.period, "seed": seed},
            imputation=imputation,
            score_low=score_low,
            score_high=score_high,
        )
        return self

    def to_frame(self) -> pd.DataFrame:
        """The fitted result as a tidy table (see :meth:`UncertaintyResult.to_frame`)."""
        return self.result_.to_frame()


def _score_interval(
    scores: NDArray[np.float32],
    normalisation: NDArray[np.intp],
    methods: tuple[str, ...],
    interval: tuple[float, float],
) -> tuple[Array, Array]:
    """Score quantiles per unit over the replications that kept each indicator's own normalisation.

    Other normalisations put scores on other scales (ranks, z-scores), so only ranks are comparable across them,
    as in COINr; without ``nominal`` among the alternatives the score interval is NaN.
    """
    if "nominal" not in methods:
        missing = np.full(scores.shape[1], np.nan)
        return missing, missing.copy()
    kept = scores[normalisation == methods.index("nominal")]
    if kept.shape[0] == 0:
        missing = np.full(scores.shape[1], np.nan)
        return missing, missing.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # units never scored give NaN, as for ranks
        low, high = np.nanquantile(kept, list(interval), axis=0).astype(float)
    return low, high


def _or_nan(values: Array | None, size: int) -> Array:
    return np.full(size, np.nan) if values is None else values


def _percent(q: float) -> str:
    """A quantile as a column-name percentage: 0.05 -> '05', 0.95 -> '95', 0.025 -> '2.5'."""
    return f"{q * 100:g}".zfill(2)


def rank_quantile(counts: NDArray[np.int64], q: float) -> Array:
    """The q-quantile (inverse of the empirical CDF) of each unit's ranks from its rank counts; NaN if never ranked."""
    total = counts.sum(axis=1)
    cumulative = np.cumsum(counts, axis=1)
    reached = cumulative >= np.maximum(np.ceil(q * total - 1e-9), 1)[:, np.newaxis]
    return np.where(total > 0, np.argmax(reached, axis=1).astype(float), np.nan)


def _mean_rank(counts: NDArray[np.int64]) -> Array:
    total = counts.sum(axis=1)
    weighted = (counts * np.arange(counts.shape[1])[np.newaxis, :]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, weighted / np.maximum(total, 1), np.nan)
