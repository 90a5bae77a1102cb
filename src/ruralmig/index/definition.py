"""Index definitions: a tree of nodes and indicators of any depth, read from YAML and validated.

A definition names a root node; each node aggregates its children (nodes or indicators) with one rule and
optional weights; each indicator has a direction, a transformation and a normalisation. Every problem is reported
as an :class:`~ruralmig.errors.InputError` that names the node or indicator at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ruralmig.errors import InputError, Issue

__all__ = [
    "AGGREGATIONS",
    "IMPUTATIONS",
    "NORMALISATIONS",
    "TRANSFORMATIONS",
    "WEIGHTINGS",
    "Child",
    "IndexDefinition",
    "Indicator",
    "Node",
    "Normalisation",
]

AGGREGATIONS = ("arithmetic", "geometric", "harmonic", "reversed_geometric", "max", "min")
NORMALISATIONS = ("none", "goalposts", "minmax", "zscore", "rank", "distance_to_target")
TRANSFORMATIONS = ("none", "log", "log1p", "log10", "sqrt")
SCOPES = ("global", "period")
IMPUTATIONS = ("none", "group_mean", "regression", "last_observation")
WEIGHTINGS = ("given", "equal", "pca")
_KEYS = {
    "definition": {"name", "root", "source", "nodes", "indicators"},
    "indicator": {"label", "direction", "transformation", "normalisation", "tags", "impute"},
    "normalisation": {"method", "min", "max", "range", "clip", "target", "scope"},
    "node": {
        "label",
        "children",
        "aggregation",
        "min_indicator_share",
        "min_child_share",
        "scale",
        "range",
        "top",
        "impute",
        "weights",
    },
    "child": {"name", "weight", "direction"},
}


@dataclass(frozen=True)
class Normalisation:
    """How an indicator's (transformed) values become scores.

    ``goalposts`` uses the fixed ``low``/``high`` posts; ``minmax`` takes them from the data (per ``scope``);
    both map onto ``range``. ``distance_to_target`` scores 1 at ``target`` and 0 at the worst observed value.
    """

    method: str = "none"
    low: float | None = None
    high: float | None = None
    range: tuple[float, float] = (0.0, 1.0)
    clip: bool = True
    target: float | None = None
    scope: str = "global"

    @property
    def bounded(self) -> bool:
        """Whether scores have a fixed range (so that a direction flip is ``low + high - score``)."""
        return self.method in ("goalposts", "minmax", "rank", "distance_to_target")


@dataclass(frozen=True)
class Indicator:
    """A leaf of the tree: one measured variable."""

    name: str
    label: str
    direction: int = 1
    transformation: str = "none"
    normalisation: Normalisation = Normalisation()
    tags: Mapping[str, str] = field(default_factory=dict)
    impute: str | None = None  # None: the nearest node's default (see IndexDefinition.imputations)


@dataclass(frozen=True)
class Child:
    """One edge of the tree: a child (node or indicator) with its weight and direction within the parent."""

    name: str
    weight: float = 1.0
    direction: int = 1


@dataclass(frozen=True)
class Node:
    """An aggregate: its children, the aggregation rule and the minimum coverage for a score to be given."""

    name: str
    label: str
    children: tuple[Child, ...]
    aggregation: str = "arithmetic"
    min_indicator_share: float = 0.0
    min_child_share: float = 0.0
    scale: float = 1.0
    range: tuple[float, float] = (0.0, 1.0)
    top: float = 10.0
    impute: str | None = None  # default imputation for the indicators below (unless nearer nodes override)
    weights: str = "given"  # given (the children's weights), equal, or pca (first principal component)


@dataclass(frozen=True)
class IndexDefinition:
    """A validated index tree: ``nodes`` and ``indicators`` by name, aggregated up to ``root``."""

    name: str
    root: str
    nodes: Mapping[str, Node]
    indicators: Mapping[str, Indicator]
    source: str = ""

    def order(self) -> list[str]:
        """Node names reachable from the root, children before parents."""
        done: list[str] = []
        seen: set[str] = set()

        def visit(name: str) -> None:
            if name in seen or name not in self.nodes:
                return
            seen.add(name)
            for child in self.nodes[name].children:
                visit(child.name)
            done.append(name)

        visit(self.root)
        return done

    def leaves(self, name: str) -> tuple[str, ...]:
        """The distinct indicators below a node (or the indicator itself), in tree order."""
        if name in self.indicators:
            return (name,)
        found: dict[str, None] = {}
        for child in self.nodes[name].children:
            found.update(dict.fromkeys(self.leaves(child.name)))
        return tuple(found)

    def used_indicators(self) -> tuple[str, ...]:
        """The indicators reachable from the root."""
        return self.leaves(self.root)

    def imputations(self) -> dict[str, str]:
        """Imputation method of every used indicator: its own, else the nearest node's above it, else none."""
        found: dict[str, str] = {}

        def visit(name: str, inherited: str) -> None:
            if name in self.indicators:
                own = self.indicators[name].impute
                found.setdefault(name, own if own is not None else inherited)
                return
            node = self.nodes[name]
            method = node.impute if node.impute is not None else inherited
            for child in node.children:
                visit(child.name, method)

        visit(self.root, "none")
        return found

    def parent_of(self, name: str) -> str | None:
        """The first node (children before parents) that has `name` as a direct child."""
        return next((node for node in self.order() if any(c.name == name for c in self.nodes[node].children)), None)

    @classmethod
    def from_yaml(cls, path: str | Path) -> IndexDefinition:
        """Read and validate a definition from a YAML file."""
        path = Path(path)
        return cls.from_yaml_text(path.read_text(encoding="utf-8"), file=path.name)

    @classmethod
    def from_yaml_text(cls, text: str, *, file: str = "<definition>") -> IndexDefinition:
        """Read and validate a definition from YAML text."""
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(Issue(file, f"is not valid YAML: {exc}")) from exc
        return cls.from_mapping(data, file=file)

    @classmethod
    def from_mapping(cls, data: Any, *, file: str = "<definition>") -> IndexDefinition:
        """Validate a definition given as a mapping (as read from YAML)."""
        return _Parser(file).definition(data)


class _Parser:
    """Turns a raw mapping into an :class:`IndexDefinition`, collecting every problem before raising."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def problem(self, where: str, reason: str, value: Any = None) -> None:
        self.issues.append(Issue(self.file, reason, column=where, value=None if value is None else str(value)))

    def known_keys(self, where: str, raw: Mapping[str, Any], kind: str) -> None:
        unknown = sorted(str(key) for key in raw if key not in _KEYS[kind])
        if unknown:
            self.problem(where, f"has unknown keys (allowed: {', '.join(sorted(_KEYS[kind]))})", ", ".join(unknown))

    def number(self, where: str, value: Any, default: float | None = None) -> float | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.problem(where, "is not a number", value)
            return default
        try:
            number = float(value)
        except ValueError:
            self.problem(where, "is not a number", value)
            return default
        if not math.isfinite(number):
            self.problem(where, "is not a finite number", value)
            return default
        return number

    def positive(self, where: str, value: Any, default: float) -> float:
        number = self.number(where, value, default)
        if number is None or number <= 0:
            self.problem(where, "must be a number > 0", value)
            return default
        return number

    def choice(self, where: str, value: Any, allowed: tuple[str, ...], default: str) -> str:
        if value is None:
            return default
        if value not in allowed:
            self.problem(where, f"is not one of {', '.join(allowed)}", value)
            return default
        return str(value)

    def optional_choice(self, where: str, value: Any, allowed: tuple[str, ...]) -> str | None:
        return None if value is None else self.choice(where, value, allowed, "none")

    def direction(self, where: str, value: Any) -> int:
        if value is None:
            return 1
        if value not in (1, -1) or isinstance(value, bool):
            self.problem(where, "must be 1 or -1", value)
            return 1
        return int(value)

    def pair(self, where: str, value: Any, default: tuple[float, float]) -> tuple[float, float]:
        if value is None:
            return default
        if not isinstance(value, list | tuple) or len(value) != 2:
            self.problem(where, "must be a list of two numbers [low, high]", value)
            return default
        low, high = self.number(where, value[0]), self.number(where, value[1])
        if low is None or high is None:
            return default
        if low >= high:
            self.problem(where, f"low {low:g} must be below high {high:g}", value)
            return default
        return (low, high)

    def definition(self, data: Any) -> IndexDefinition:
        if not isinstance(data, Mapping):
            raise InputError(Issue(self.file, "must be a mapping with name, root, nodes and indicators"))
        self.known_keys("definition", data, "definition")
        raw_nodes = data.get("nodes") or {}
        raw_indicators = data.get("indicators") or {}
        if not isinstance(raw_nodes, Mapping) or not isinstance(raw_indicators, Mapping):
            raise InputError(Issue(self.file, "nodes and indicators must be mappings keyed by name"))
        indicators = {str(k): self.indicator(str(k), v) for k, v in raw_indicators.items()}
        nodes = {str(k): self.node(str(k), v) for k, v in raw_nodes.items()}
        for name in set(nodes) & set(indicators):
            self.problem(f"nodes.{name}", "is both a node and an indicator", name)
        root = str(data.get("root", ""))
        if root not in nodes:
            self.problem("root", f"is not a node (nodes: {', '.join(sorted(nodes)) or 'none'})", root)
        for node in nodes.values():
            for child in node.children:
                if child.name not in nodes and child.name not in indicators:
                    self.problem(
                        f"nodes.{node.name}.children", "is neither a defined node nor a defined indicator", child.name
                    )
        if not self.issues:
            self.check_cycles(nodes)
        if self.issues:
            raise InputError(self.issues)
        return IndexDefinition(
            name=str(data.get("name", root)),
            root=root,
            nodes=nodes,
            indicators=indicators,
            source=str(data.get("source", "")),
        )

    def indicator(self, name: str, raw: Any) -> Indicator:
        where = f"indicators.{name}"
        if not isinstance(raw, Mapping):
            self.problem(where, "must be a mapping", raw)
            return Indicator(name=name, label=name)
        norm = raw.get("normalisation") or {}
        if isinstance(norm, str):
            norm = {"method": norm}
        if not isinstance(norm, Mapping):
            self.problem(f"{where}.normalisation", "must be a method name or a mapping", norm)
            norm = {}
        self.known_keys(where, raw, "indicator")
        self.known_keys(f"{where}.normalisation", norm, "normalisation")
        tags = raw.get("tags") or {}
        if not isinstance(tags, Mapping):
            self.problem(f"{where}.tags", "must be a mapping", tags)
            tags = {}
        return Indicator(
            name=name,
            label=str(raw.get("label", name)),
            direction=self.direction(f"{where}.direction", raw.get("direction")),
            transformation=self.choice(f"{where}.transformation", raw.get("transformation"), TRANSFORMATIONS, "none"),
            normalisation=self.normalisation(f"{where}.normalisation", norm),
            tags={str(k): str(v) for k, v in tags.items()},
            impute=self.optional_choice(f"{where}.impute", raw.get("impute"), IMPUTATIONS),
        )

    def normalisation(self, where: str, raw: Mapping[str, Any]) -> Normalisation:
        method = self.choice(f"{where}.method", raw.get("method"), NORMALISATIONS, "none")
        low = self.number(f"{where}.min", raw.get("min"))
        high = self.number(f"{where}.max", raw.get("max"))
        if method == "goalposts" and (low is None or high is None):
            self.problem(where, "goalposts need both min and max", dict(raw))
        if low is not None and high is not None and low >= high:
            self.problem(where, f"goalpost min {low:g} must be below max {high:g}", f"{low:g} >= {high:g}")
        target = self.number(f"{where}.target", raw.get("target"))
        if method == "distance_to_target" and target is None:
            self.problem(where, "distance_to_target needs a target", dict(raw))
        clip = raw.get("clip", True)
        if not isinstance(clip, bool):
            self.problem(f"{where}.clip", "must be true or false", clip)
            clip = True
        return Normalisation(
            method=method,
            low=low,
            high=high,
            range=self.pair(f"{where}.range", raw.get("range"), (0.0, 1.0)),
            clip=clip,
            target=target,
            scope=self.choice(f"{where}.scope", raw.get("scope"), SCOPES, "global"),
        )

    def node(self, name: str, raw: Any) -> Node:
        where = f"nodes.{name}"
        if not isinstance(raw, Mapping):
            self.problem(where, "must be a mapping with children", raw)
            return Node(name=name, label=name, children=())
        self.known_keys(where, raw, "node")
        raw_children = raw.get("children")
        if not isinstance(raw_children, list) or not raw_children:
            self.problem(f"{where}.children", "must be a non-empty list", raw_children)
            raw_children = []
        children = tuple(self.child(where, item) for item in raw_children)
        weighting = self.choice(f"{where}.weights", raw.get("weights"), WEIGHTINGS, "given")
        given = [
            c.name
            for c, item in zip(children, raw_children, strict=True)
            if isinstance(item, Mapping) and "weight" in item
        ]
        if weighting != "given" and given:
            self.problem(f"{where}.weights", f"is {weighting}, so the children must not set weights", ", ".join(given))
        weights = [child.weight for child in children]
        if any(weight < 0 for weight in weights):
            bad = [f"{c.name}={c.weight:g}" for c in children if c.weight < 0]
            self.problem(f"{where}.weights", "has negative weights (weights must be >= 0)", ", ".join(bad))
        elif children and sum(weights) <= 0:
            self.problem(f"{where}.weights", "sum to zero (at least one weight must be > 0)", weights)
        shares = {}
        for key in ("min_indicator_share", "min_child_share"):
            share = self.number(f"{where}.{key}", raw.get(key), 0.0)
            if share is not None and not 0.0 <= share <= 1.0:
                self.problem(f"{where}.{key}", "must lie between 0 and 1", share)
                share = 0.0
            shares[key] = share or 0.0
        return Node(
            name=name,
            label=str(raw.get("label", name)),
            children=children,
            aggregation=self.choice(f"{where}.aggregation", raw.get("aggregation"), AGGREGATIONS, "arithmetic"),
            min_indicator_share=shares["min_indicator_share"],
            min_child_share=shares["min_child_share"],
            scale=self.positive(f"{where}.scale", raw.get("scale"), 1.0),
            range=self.pair(f"{where}.range", raw.get("range"), (0.0, 1.0)),
            top=self.positive(f"{where}.top", raw.get("top"), 10.0),
            impute=self.optional_choice(f"{where}.impute", raw.get("impute"), IMPUTATIONS),
            weights=weighting,
        )

    def child(self, where: str, item: Any) -> Child:
        if isinstance(item, str):
            return Child(name=item)
        if not isinstance(item, Mapping) or "name" not in item:
            self.problem(f"{where}.children", "each child must be a name or a mapping with a name", item)
            return Child(name=str(item))
        name = str(item["name"])
        self.known_keys(f"{where}.children.{name}", item, "child")
        weight = self.number(f"{where}.children.{name}.weight", item.get("weight"), 1.0)
        return Child(
            name=name,
            weight=1.0 if weight is None else weight,
            direction=self.direction(f"{where}.children.{name}.direction", item.get("direction")),
        )

    def check_cycles(self, nodes: Mapping[str, Node]) -> None:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

        def visit(name: str, path: list[str]) -> None:
            state[name] = 1
            for child in nodes[name].children:
                if child.name not in nodes:
                    continue
                if state.get(child.name) == 1:
                    cycle = [*path[path.index(child.name) :], child.name]
                    self.problem(f"nodes.{name}", "closes a cycle in the tree", " -> ".join(cycle))
                elif child.name not in state:
                    visit(child.name, [*path, child.name])
            state[name] = 2

        for name in nodes:
            if name not in state:
                visit(name, [name])
