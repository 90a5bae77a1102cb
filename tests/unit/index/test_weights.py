"""PCA and equal weights in definitions, and the leave-one-out analysis."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.index import CompositeIndex, IndexDefinition
from ruralmig.index.coinr import CoinrTree
from ruralmig.index.coinr import pca_weights as coinr_loadings
from ruralmig.index.leave_one_out import leave_one_out
from ruralmig.index.weights import pca_weights


def tree(weights: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"children": ["x1", "x2", "x3"]}
    if weights:
        node["weights"] = weights
    indicators = {name: {"normalisation": {"method": "minmax"}} for name in ("x1", "x2", "x3")}
    return {"name": "toy", "root": "index", "nodes": {"index": node}, "indicators": indicators}


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    common = rng.normal(size=40)
    return pd.DataFrame(
        {
            "unit": [f"U{i:02d}" for i in range(40)],
            "period": 2020,
            "x1": common + rng.normal(scale=0.2, size=40),
            "x2": common + rng.normal(scale=0.5, size=40),
            "x3": rng.normal(size=40),
        }
    )


def test_pca_weights_are_squared_first_component_loadings_like_coinr(data: pd.DataFrame) -> None:
    model = CompositeIndex(definition=tree("pca")).fit(data)
    scores = model.scores_[["x1", "x2", "x3"]]
    coinr_tree = CoinrTree(levels={"x1": 1, "x2": 1, "x3": 1, "index": 2},
                           parents={"x1": "index", "x2": "index", "x3": "index"},
                           weights={"x1": 1.0, "x2": 1.0, "x3": 1.0, "index": 1.0})  # fmt: skip
    loadings = coinr_loadings(scores, coinr_tree, level=1).to_numpy()
    weights = model.weights_["index"].to_numpy()
    assert weights == pytest.approx(loadings**2 / (loadings**2).sum())
    assert weights.sum() == pytest.approx(1.0)
    assert weights[0] > weights[2]
    expected = (scores.to_numpy() * weights).sum(axis=1)
    assert model.scores_["index"].to_numpy() == pytest.approx(expected)
    resolved = model.resolved_definition_.nodes["index"]
    assert resolved.weights == "given"
    assert [c.weight for c in resolved.children] == pytest.approx(weights.tolist())


def test_equal_weights_and_conflicting_child_weights() -> None:
    assert pca_weights(np.array([[1.0, 2.0], [2.0, 4.1], [3.0, 5.9]])).sum() == pytest.approx(1.0)
    bad = tree("equal")
    bad["nodes"]["index"]["children"][0] = {"name": "x1", "weight": 2}
    with pytest.raises(InputError) as caught:
        IndexDefinition.from_mapping(bad)
    assert caught.value.issues[0].column == "nodes.index.weights"


def test_pca_needs_varying_complete_rows() -> None:
    flat = pd.DataFrame({"unit": ["A", "B"], "period": 1, "x1": [1.0, 1.0], "x2": [1.0, 2.0], "x3": [3.0, 1.0]})
    with pytest.raises(InputError, match="PCA weights"):
        CompositeIndex(definition=tree("pca")).fit(flat)


def test_leave_one_out_ranks_match_refitting_without_the_child(data: pd.DataFrame) -> None:
    table = leave_one_out(tree(), data, "index")
    assert set(table["dropped"]) == {"x1", "x2", "x3"}
    assert len(table) == 3 * 40
    reduced = tree()
    reduced["nodes"]["index"]["children"] = ["x1", "x2"]
    scores = CompositeIndex(definition=reduced).fit(data).scores_["index"]
    ranks = scores.rank(ascending=False, method="min").droplevel(1)
    without_x3 = table[table["dropped"] == "x3"].set_index("unit")
    assert (without_x3["rank"] == ranks.reindex(without_x3.index)).all()
    assert (without_x3["rank_shift"] == without_x3["rank"] - without_x3["nominal_rank"]).all()
    with pytest.raises(InputError, match="is not a node"):
        leave_one_out(tree(), data, "x1")
