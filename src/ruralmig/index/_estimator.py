"""The scikit-learn style contract shared by the index estimators: settings from __init__, fitted_ attributes."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

from ruralmig.errors import NotFittedError

__all__ = ["Estimator"]


class Estimator:
    """`get_params` reads the keyword-only settings of `__init__`; fitted attributes raise NotFittedError before fit."""

    fitted_attributes: ClassVar[tuple[str, ...]] = ()

    def __getattr__(self, name: str) -> Any:
        if name in type(self).fitted_attributes:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet: call fit(data) before using {name}")
        raise AttributeError(name)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The settings given to ``__init__``."""
        names = [p.name for p in inspect.signature(type(self).__init__).parameters.values() if p.name != "self"]
        return {name: getattr(self, name) for name in names}
