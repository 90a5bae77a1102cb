"""COINr-compatible build steps on wide tables (rows = units, columns = indicators).

Each function takes and returns :class:`pandas.DataFrame` objects so that the steps chain like COINr's
``Denominate → Impute → Screen → Treat → Normalise → Aggregate`` (bluefoxr/COINr 1.1.14, MIT). The rules are
copied from COINr's source: e1071 type-2 skewness and kurtosis, Winsorisation one extreme at a time toward the
skew side (ties grow), ``log_CT`` fallback applied to the untreated values, min-max / z-score / percentile-rank /
Borda normalisation after multiplying by the direction, weighted means that skip missing children, and Copeland
scores from the outranking matrix. Loops run over indicators, tree nodes and Winsorisation steps, never over units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from ruralmig.errors import InputError, Issue
from ruralmig.index.aggregate import aggregate
from ruralmig.index.definition import Normalisation
from ruralmig.index.normalise import normalise as _normalise

__all__ = [
    "NORMALISERS",
    "CoinrTree",
    "aggregate_tree",
    "check_skew_kurt",
    "copeland",
    "correlation_with_parent",
    "denominate",
    "effective_weights",
    "impute_group",
    "kurtosis",
    "log_ct",
    "normalise_frame",
    "pca_weights",
    "screen_units",
    "skewness",
    "treat",
    "winsorise",
]

FloatArray = NDArray[np.float64]
NORMALISERS = ("minmax", "zscore", "prank", "borda", "rank", "none")
_AGGREGATIONS = {"amean": "arithmetic", "gmean": "geometric", "hmean": "harmonic"}


def _error(reason: str, column: str, value: str | None = None) -> InputError:
    return InputError(Issue("data", reason, column=column, value=value))


def _observed(values: pd.Series | FloatArray, name: str, minimum: int, what: str) -> FloatArray:
    array: FloatArray = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size < minimum:
        raise _error(f"needs at least {minimum} observed values for the {what} ({array.size} found)", name)
    return array


def skewness(values: pd.Series | FloatArray, *, name: str = "") -> float:
    """Sample skewness of the observed values (e1071 type 2, as Excel and COINr's ``skew``)."""
    x = _observed(values, name, 3, "skewness")
    n = x.size
    d = x - x.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0.0:
        raise _error("has no variation: skewness is undefined", name)
    y = np.sqrt(n) * float(np.sum(d**3)) / m2**1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(values: pd.Series | FloatArray, *, name: str = "") -> float:
    """Sample excess kurtosis of the observed values (e1071 type 2, as Excel and COINr's ``kurt``)."""
    x = _observed(values, name, 4, "kurtosis")
    n = x.size
    d = x - x.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0.0:
        raise _error("has no variation: kurtosis is undefined", name)
    r = n * float(np.sum(d**4)) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


@dataclass(frozen=True)
class SkewKurt:
    """Result of COINr's ``check_SkewKurt``: pass if |skew| < skew threshold OR kurtosis < kurtosis threshold."""

    passed: bool
    skew: float
    kurt: float


def check_skew_kurt(
    values: pd.Series | FloatArray, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5, name: str = ""
) -> SkewKurt:
    """COINr's outlier test on the observed values."""
    sk = skewness(values, name=name)
    kt = kurtosis(values, name=name)
    return SkewKurt(bool(abs(sk) < skew_thresh or kt < kurt_thresh), sk, kt)


def winsorise(
    values: pd.Series,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    force: bool = False,
) -> tuple[pd.Series, int]:
    """Winsorise as COINr does; returns the values and the number of points Winsorised (``nwin``).

    While the test fails (or ``force``) and fewer than ``winmax`` points are treated, the extreme on the side of
    the skew (all points tied at it) takes the next value in. ``nwin`` counts the points at the last treated
    extreme of each side, which with growing ties is the number of points replaced so far.
    """
    name = str(values.name)
    x = values.to_numpy(dtype=float).copy()
    passing = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, name=name).passed
    n_high = n_low = 0
    nwin = 0
    while (not passing or force) and (winmax is None or nwin < winmax):
        observed = ~np.isnan(x)
        if skewness(x, name=name) >= 0:
            at = observed & (x == np.nanmax(x))
            rest = x[observed & ~at]
            if rest.size == 0:
                raise _error("cannot be Winsorised: every value is the same", name)
            x[at] = rest.max()
            n_high = int(at.sum())
        else:
            at = observed & (x == np.nanmin(x))
            rest = x[observed & ~at]
            if rest.size == 0:
                raise _error("cannot be Winsorised: every value is the same", name)
            x[at] = rest.min()
            n_low = int(at.sum())
        nwin = n_high + n_low
        passing = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, name=name).passed
    return pd.Series(x, index=values.index, name=values.name), nwin


def log_ct(values: pd.Series) -> pd.Series:
    """COINr's ``log_CT``: log(x − min + 0.01·(max − min))."""
    low = values.min()
    high = values.max()
    shifted = values - low + 0.01 * (high - low)
    if not (shifted.dropna() > 0).all():
        raise _error("cannot be log-transformed: it has no variation", str(values.name))
    result: pd.Series = np.log(shifted)
    return result


def treat(
    data: pd.DataFrame,
    *,
    winmax: int | None = 5,
    skew_thresh: float = 2.0,
    kurt_thresh: float = 3.5,
    combine: bool = False,
    skip: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's default ``Treat``: skew/kurtosis test, Winsorisation, then ``log_CT`` if still failing.

    ``log_CT`` is applied to the untreated values unless ``combine`` (COINr's ``combine_treat``). Columns in
    ``skip`` are left untouched (COINr's ``indiv_specs = "none"``). Returns the treated table and one row of
    details per treated column, with COINr's ``Dets_Table`` columns (``check_SkewKurt0.Pass`` … ``.Kurt``).
    """
    treated: dict[str, pd.Series] = {}
    details: list[dict[str, object]] = []
    for name in data.columns:
        column = data[name].astype(float)
        if name in skip:
            treated[name] = column
            continue
        row: dict[str, object] = {"iCode": name}
        first = check_skew_kurt(column, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, name=str(name))
        row |= {"check_SkewKurt0.Pass": first.passed, "check_SkewKurt0.Skew": first.skew}
        row["check_SkewKurt0.Kurt"] = first.kurt
        result = column
        if not first.passed:
            result, nwin = winsorise(column, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
            second = check_skew_kurt(result, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, name=str(name))
            row |= {"winsorise.nwin": nwin, "check_SkewKurt1.Pass": second.passed}
            row |= {"check_SkewKurt1.Skew": second.skew, "check_SkewKurt1.Kurt": second.kurt}
            if not second.passed:
                result = log_ct(result if combine else column)
                third = check_skew_kurt(result, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh, name=str(name))
                row |= {"check_SkewKurt2.Pass": third.passed, "check_SkewKurt2.Skew": third.skew}
                row["check_SkewKurt2.Kurt"] = third.kurt
        treated[name] = result
        details.append(row)
    table = pd.DataFrame(details, columns=None if details else ["iCode"]).set_index("iCode")
    return pd.DataFrame(treated, index=data.index), table


def denominate(
    data: pd.DataFrame, denominators: pd.DataFrame, by: Mapping[str, str], *, scale: float = 1.0
) -> pd.DataFrame:
    """Divide indicators by their denominators (COINr ``Denominate``): ``x / denominator * scale``.

    ``by`` maps an indicator to a column of ``denominators`` (same unit index); other indicators are copied.
    """
    issues = [
        Issue("denominators", "is not a denominator column", column=indicator, value=denominator)
        for indicator, denominator in by.items()
        if denominator not in denominators.columns
    ]
    issues += [
        Issue("data", "is given a denominator but is not in the data", column=indicator)
        for indicator in by
        if indicator not in data.columns
    ]
    if issues:
        raise InputError(issues)
    aligned = denominators.reindex(data.index)
    if by and aligned[list(set(by.values()))].isna().all(axis=None):
        raise InputError(Issue("denominators", "share no unit with the data", column="unit"))
    result = data.copy()
    for indicator, denominator in by.items():
        result[indicator] = data[indicator] / aligned[denominator] * scale
    return result


def screen_units(
    data: pd.DataFrame,
    *,
    dat_thresh: float | None = None,
    nonzero_thresh: float | None = None,
    force_include: Sequence[str] = (),
    force_exclude: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr ``Screen``: keep units with data availability ≥ ``dat_thresh`` and non-zero share ≥ ``nonzero_thresh``.

    Returns the kept rows and a table per unit (``Dat_Avail``, ``Frc_NonZero``, ``Included``).
    """
    n = data.shape[1]
    available = data.notna().sum(axis=1) / n
    nonzero = (data.fillna(0.0) != 0).sum(axis=1) / n
    keep = pd.Series(True, index=data.index)
    if dat_thresh is not None:
        keep &= available >= dat_thresh
    if nonzero_thresh is not None:
        keep &= nonzero >= nonzero_thresh
    keep[keep.index.isin(list(force_include))] = True
    keep[keep.index.isin(list(force_exclude))] = False
    summary = pd.DataFrame({"Dat_Avail": available, "Frc_NonZero": nonzero, "Included": keep})
    return data.loc[keep], summary


def impute_group(
    data: pd.DataFrame, groups: pd.Series, *, statistic: Literal["mean", "median"] = "mean"
) -> pd.DataFrame:
    """COINr ``i_mean_grp`` / ``i_median_grp``: fill each missing value with its group's mean (median).

    Values still missing (a group with no observed value, or a unit without group) stay missing.
    """
    if statistic not in ("mean", "median"):
        raise InputError(Issue("parameters", "must be 'mean' or 'median'", column="statistic", value=statistic))
    aligned = groups.reindex(data.index)
    filled = data.groupby(aligned, dropna=True).transform(statistic)
    result: pd.DataFrame = data.fillna(filled.reindex(data.index))
    return result


def _rank_min(values: pd.Series) -> pd.Series:
    ranked: pd.Series = values.rank(method="min", na_option="keep")
    return ranked


def normalise_frame(
    data: pd.DataFrame,
    directions: Mapping[str, int],
    *,
    method: str = "minmax",
    bounds: tuple[float, float] = (0.0, 100.0),
) -> pd.DataFrame:
    """COINr ``Normalise`` on every column after multiplying by its direction (+1/−1).

    ``minmax`` maps onto ``bounds`` (l, u); ``zscore`` gives mean ``bounds[0]`` and sd ``bounds[1]``;
    ``prank`` is (min-rank − 1)/(n − 1); ``borda`` is min-rank − 1; ``rank`` is the min-rank.
    """
    if method not in NORMALISERS:
        raise InputError(Issue("parameters", f"must be one of {', '.join(NORMALISERS)}", column="method", value=method))
    missing = [Issue("directions", "has no direction", column=str(c)) for c in data.columns if c not in directions]
    bad = [
        Issue("directions", "must be 1 or -1", column=str(c), value=str(d))
        for c, d in directions.items()
        if d not in (1, -1)
    ]
    if missing or bad:
        raise InputError([*missing, *bad])
    result: dict[str, pd.Series] = {}
    for name in data.columns:
        column = data[name].astype(float)
        direction = int(directions[name])
        signed = column * direction
        if method == "minmax":
            if column.max() == column.min():
                raise _error("has no variation: min-max normalisation is undefined", str(name))
            result[name] = _normalise(column, Normalisation(method="minmax", range=bounds, clip=False), direction)
        elif method == "zscore":
            result[name] = (signed - signed.mean()) / signed.std() * bounds[1] + bounds[0]
        elif method == "prank":
            result[name] = (_rank_min(signed) - 1) / (signed.notna().sum() - 1)
        elif method == "borda":
            result[name] = _rank_min(signed) - 1
        elif method == "rank":
            result[name] = _rank_min(signed)
        else:
            result[name] = signed
    return pd.DataFrame(result, index=data.index)


@dataclass(frozen=True)
class CoinrTree:
    """An index tree in COINr's iMeta form: level, parent and weight of every indicator and aggregate."""

    levels: Mapping[str, int]
    parents: Mapping[str, str]
    weights: Mapping[str, float]

    @classmethod
    def from_imeta(cls, imeta: pd.DataFrame) -> CoinrTree:
        """Read rows of type Indicator and Aggregate of a COINr iMeta table (iCode, Level, Parent, Weight)."""
        needed = {"iCode", "Level", "Parent", "Weight", "Type"}
        absent = sorted(needed - set(imeta.columns))
        if absent:
            raise InputError([Issue("iMeta", "is a required column", column=name) for name in absent])
        rows = imeta[imeta["Type"].isin(["Indicator", "Aggregate"])]
        levels = {str(c): int(v) for c, v in zip(rows["iCode"], rows["Level"], strict=True)}
        parents = {str(c): str(p) for c, p in zip(rows["iCode"], rows["Parent"], strict=True) if pd.notna(p)}
        weights = {str(c): float(w) for c, w in zip(rows["iCode"], rows["Weight"], strict=True)}
        issues = [
            Issue("iMeta", "has a parent that is not an aggregate one level up", column=c, value=p)
            for c, p in parents.items()
            if levels.get(p) != levels[c] + 1
        ]
        issues += [Issue("iMeta", "has a missing weight", column=c) for c, w in weights.items() if np.isnan(w)]
        if issues:
            raise InputError(issues)
        return cls(levels, parents, weights)

    def children(self, node: str) -> list[str]:
        """Children of a node, in iMeta order."""
        return [c for c, p in self.parents.items() if p == node]

    def nodes(self) -> list[str]:
        """Aggregates from the lowest level to the top (aggregation order)."""
        return sorted((c for c, level in self.levels.items() if level > 1), key=lambda c: self.levels[c])

    def indicators(self) -> list[str]:
        """Level-1 codes, in iMeta order."""
        return [c for c, level in self.levels.items() if level == 1]


def aggregate_tree(
    normalised: pd.DataFrame,
    tree: CoinrTree,
    *,
    method: str | Mapping[int, str] = "amean",
    weights: Mapping[str, float] | None = None,
    dat_thresh: float | None = None,
) -> pd.DataFrame:
    """COINr ``Aggregate``: every aggregate from its children, level by level (``amean``, ``gmean``, ``hmean``).

    ``method`` may differ per level (a mapping level → method). Missing children are skipped with the weights
    renormalised; a row with a share of children present below ``dat_thresh`` gives NaN. Returns the
    indicators followed by the aggregates.
    """
    absent = [Issue("data", "is an indicator of the tree but not a column", column=c) for c in tree.indicators()]
    absent = [issue for issue in absent if issue.column not in normalised.columns]
    if absent:
        raise InputError(absent)
    use = {**tree.weights, **(weights or {})}
    frame = normalised[tree.indicators()].astype(float).copy()
    for node in tree.nodes():
        level = tree.levels[node]
        rule = method if isinstance(method, str) else method.get(level, "amean")
        if rule not in _AGGREGATIONS:
            raise InputError(Issue("parameters", f"must be one of {', '.join(_AGGREGATIONS)}", column=node, value=rule))
        children = tree.children(node)
        matrix = frame[children].to_numpy(dtype=float)
        if rule in ("gmean", "hmean") and (matrix[~np.isnan(matrix)] <= 0).any():
            raise InputError(
                Issue("index", f"the {rule} needs child scores > 0", column=node, value=f"{np.nanmin(matrix):g}")
            )
        w = np.array([use[c] for c in children], dtype=float)
        values = aggregate(matrix, w, _AGGREGATIONS[rule], node=node)
        if dat_thresh is not None:
            values = np.where((~np.isnan(matrix)).mean(axis=1) < dat_thresh, np.nan, values)
        frame[node] = values
    return frame


def copeland(data: pd.DataFrame, weights: Sequence[float] | None = None) -> pd.Series:
    """COINr ``a_copeland``: row sums of sign(outranking − 0.5) over all pairs of units.

    The outranking of unit i over j (i before j) is the weight share of columns where i is higher plus half the
    share where they tie (comparisons with a missing value count for neither); j over i is one minus that.
    Memory grows as units² × indicators (fine for hundreds of units).
    """
    x = data.to_numpy(dtype=float)
    w = np.ones(x.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (x.shape[1],):
        raise InputError(Issue("parameters", f"needs {x.shape[1]} weights, got {w.size}", column="weights"))
    # R sums doubles in long double and rounds once to double; doing the same keeps exact halves (0.5) exact.
    wide = np.longdouble
    w = w / float(np.sum(w.astype(wide)))
    a = x[:, np.newaxis, :]
    b = x[np.newaxis, :, :]
    higher = np.where(a > b, w.astype(wide), wide(0)).sum(axis=2).astype(np.float64)
    tied = np.where(a == b, w.astype(wide), wide(0)).sum(axis=2).astype(np.float64) / 2
    upper = (higher.astype(wide) + tied.astype(wide)).astype(np.float64)
    n = x.shape[0]
    above = np.triu(np.ones((n, n), dtype=bool), k=1)
    orm = np.where(above, upper, 1.0 - upper.T)
    scores = np.where(orm > 0.5, 1.0, np.where(orm < 0.5, -1.0, 0.0))
    np.fill_diagonal(scores, 0.0)
    return pd.Series(scores.sum(axis=1), index=data.index, name="copeland")


def effective_weights(tree: CoinrTree, weights: Mapping[str, float] | None = None) -> pd.Series:
    """COINr ``get_eff_weights``: each weight share among its siblings times its parent's effective weight."""
    use = {**tree.weights, **(weights or {})}
    effective: dict[str, float] = {}
    for code in sorted(tree.levels, key=lambda c: -tree.levels[c]):
        parent = tree.parents.get(code)
        if parent is None:
            effective[code] = 1.0
            continue
        siblings = tree.children(parent)
        total = sum(use[s] for s in siblings)
        if total == 0:
            raise InputError(Issue("weights", "has children whose weights sum to zero", column=parent))
        effective[code] = use[code] / total * effective[parent]
    return pd.Series(effective, name="EffWeight").reindex(list(tree.levels))


def pca_weights(aggregated: pd.DataFrame, tree: CoinrTree, level: int) -> pd.Series:
    """First-principal-component loadings of the codes of one level, computed within each parent group.

    As COINr ``get_PCA(..., by_groups = TRUE)`` (``prcomp`` on centred and scaled columns); the sign of a loading
    vector is arbitrary, so each group's vector is returned with a positive sum.
    """
    codes = [c for c, lev in tree.levels.items() if lev == level]
    absent = [Issue("data", "is not a column", column=c) for c in codes if c not in aggregated.columns]
    if absent:
        raise InputError(absent)
    result: dict[str, float] = {}
    for parent in dict.fromkeys(tree.parents.get(c, "") for c in codes):
        group = [c for c in codes if tree.parents.get(c, "") == parent]
        values = aggregated[group].dropna().to_numpy(dtype=float)
        if values.shape[0] < 2:
            raise InputError(Issue("data", "has fewer than two complete rows for PCA", column=parent))
        scaled = (values - values.mean(axis=0)) / values.std(axis=0, ddof=1)
        _, _, vt = np.linalg.svd(scaled, full_matrices=False)
        first = vt[0] if vt[0].sum() >= 0 else -vt[0]
        result |= dict(zip(group, first.tolist(), strict=True))
    return pd.Series(result, name="Weight").reindex(codes)


def correlation_with_parent(
    data: pd.DataFrame, tree: CoinrTree, level: int = 1, *, pval: float | None = 0.05
) -> pd.Series:
    """Pearson correlation of every code of a level with its parent (pairwise complete rows).

    As COINr ``get_corr(..., withparent = "parent")``: a correlation whose two-sided p-value (t-test with
    n − 2 degrees of freedom) exceeds ``pval`` is NaN; ``pval = None`` keeps them all.
    """
    pairs = [(p, c) for c, p in tree.parents.items() if tree.levels[c] == level]
    absent = sorted({name for pair in pairs for name in pair if name not in data.columns})
    if absent:
        raise InputError([Issue("data", "is not a column", column=name) for name in absent])
    r = np.array([data[c].corr(data[p]) for p, c in pairs], dtype=float)
    n = np.array([int((data[c].notna() & data[p].notna()).sum()) for p, c in pairs], dtype=float)
    if pval is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.abs(r) * np.sqrt((n - 2) / (1 - r**2))
        p_value = 2 * stats.t.sf(t, n - 2)
        r = np.where(p_value > pval, np.nan, r)
    return pd.Series(r, index=pd.MultiIndex.from_tuples(pairs, names=["parent", "child"]), name="Correlation")
