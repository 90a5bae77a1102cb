"""Panel trends: change, OLS slope per year and the trend class under the threshold."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ruralmig.errors import InputError
from ruralmig.index import CompositeIndex
from ruralmig.index.trends import decimal_years, panel_trends

TREE: dict[str, Any] = {
    "root": "index",
    "nodes": {"index": {"range": [0, 10], "scale": 10, "children": ["x"]}},
    "indicators": {"x": {"normalisation": {"method": "goalposts", "min": 0, "max": 1}}},
}


def test_slope_change_and_class_per_unit() -> None:
    years = [2018, 2019, 2020, 2021]
    data = pd.DataFrame(
        {
            "unit": ["up"] * 4 + ["flat"] * 4 + ["down"] * 4,
            "period": years * 3,
            "x": [0.1, 0.2, 0.25, 0.4, 0.5, 0.5, 0.505, 0.5, 0.9, 0.7, 0.6, 0.3],
        }
    )
    result = CompositeIndex(definition=TREE).fit(data).result_
    trends = panel_trends(result).set_index(["unit", "node"])
    slope = np.polyfit(years, [1.0, 2.0, 2.5, 4.0], 1)[0]
    assert trends.loc[("up", "index"), "slope"] == pytest.approx(slope)
    assert trends.loc[("up", "index"), "change"] == pytest.approx(3.0)
    classes = trends.xs("index", level="node")["trend"].to_dict()
    assert classes == {"up": "worsening", "flat": "stable", "down": "improving"}  # higher = more pressure
    better = panel_trends(result, higher_is="better").set_index(["unit", "node"])
    assert better.loc[("up", "index"), "trend"] == "improving"
    assert trends.loc[("up", "x"), "slope"] == pytest.approx(slope / 10)  # indicator on 0-1


def test_monthly_periods_become_decimal_years_and_single_periods_have_no_class() -> None:
    years = decimal_years(pd.Series(["2021-01", "2021-07", "2022"]))
    assert years.tolist() == pytest.approx([2021.0, 2021 + 181 / 365, 2022.0])
    frame = pd.DataFrame({"unit": ["A"], "period": [2020], "node": ["index"], "score": [3.0]})
    assert panel_trends(frame)["trend"].tolist() == [""]
    with pytest.raises(InputError, match="higher_is"):
        panel_trends(frame, higher_is="up")  # type: ignore[arg-type]
