"""Simulation settings: Flee's `simsetting.yml` keys, their defaults, and checks on unknown keys."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from ruralmig.errors import InputError, Issue

__all__ = ["FLEE_IGNORED_KEYS", "SimSettings"]

# Keys Flee accepts that change logging or switch on rules this engine does not implement; they are accepted
# (a Flee simsetting.yml loads as it is) and their values recorded, but they have no effect.
FLEE_IGNORED_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"log_levels", "number_of_steps", "conflict_input_file", "flood_level_input_file",
                   "default_conflict_intensity", "optimisations"}),
    "spawn_rules": frozenset({"empty_camps_on_day0", "flood_zone_spawning_only", "read_from_agents_csv_file",
                              "starvation_driven_spawning", "average_social_connectivity"}),
    "move_rules": frozenset({"max_crossing_speed", "use_v1_rules", "stay_close_to_home", "home_distance_power",
                             "use_pop_for_loc_weight", "pop_power_for_loc_weight", "fixed_routes",
                             "two_system_decision_making", "use_economic_pull", "harvest_months",
                             "flee_when_starving", "avoid_food_deprived_locations", "avg_religion_fraction",
                             "flood_rules", "matching_ethnicity", "matching_religion",
                             "demographic_hazard", "flood_movechances", "flood_loc_weights",
                             "flood_forecaster", "flood_forecaster_timescale", "flood_forecaster_end_time",
                             "flood_forecaster_weights", "flood_awareness_weights", "flood_forecaster_weight"}),
}  # fmt: skip


SECTIONS = frozenset({"move_rules", "spawn_rules", "optimisations"})
_SPAWN_KEYS = (
    "take_from_population",
    "insert_day0",
    "conflict_zone_spawning_only",
    "sum_from_camps",
    "conflict_driven_spawning",
    "conflict_spawn_decay",
    "conflict_spawn_decay_interval",
)


@dataclass(frozen=True)
class SimSettings:
    """Rule parameters, named and defaulted as in Flee 3 (`simsetting.yml`, sections in brackets)."""

    # [move_rules]
    max_move_speed: float = 360.0
    max_walk_speed: float = 35.0
    foreign_weight: float = 1.0
    camp_weight: float = 1.0
    conflict_weight: float = 1.0 / math.sqrt(10.0)
    conflict_movechance: float = 1.0
    camp_movechance: float = 0.001
    idpcamp_movechance: float = 0.1
    default_movechance: float = 0.3
    awareness_level: int = 1
    capacity_buffer: float = 0.9
    capacity_scaling: float = 1.0
    avoid_short_stints: bool = False
    start_on_foot: bool = False
    softening: float = 10.0
    weight_softening: float = 0.0
    weight_power: float = 1.0
    distance_power: float = 1.0
    movechance_pop_base: float = 10000.0
    movechance_pop_scale_factor: float = 0.0
    pruning_threshold: float = 1.0
    # [spawn_rules]
    take_from_population: bool = False
    insert_day0: bool = True
    conflict_zone_spawning_only: bool = True
    sum_from_camps: bool = True
    conflict_driven_spawning: bool = False
    spawn_mode: str = "constant"  # constant | pop_ratio | poisson | pop_poisson
    displaced_per_conflict_day: float = 500.0
    conflict_spawn_decay: tuple[float, ...] = ()
    conflict_spawn_decay_interval: int = 30
    # [optimisations]
    hasten: int = 1
    # Keys that were given but have no effect here (see FLEE_IGNORED_KEYS).
    ignored: tuple[str, ...] = field(default=(), compare=False)

    def with_changes(self, **changes: Any) -> SimSettings:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "ignored"}

    def to_flee_mapping(self) -> dict[str, Any]:
        """The settings in Flee's `simsetting.yml` layout (sections move_rules, spawn_rules, optimisations)."""
        values = self.to_dict()
        spawn = {k: values.pop(k) for k in _SPAWN_KEYS}
        mode, per_day = values.pop("spawn_mode"), values.pop("displaced_per_conflict_day")
        if spawn.pop("conflict_driven_spawning"):
            spawn["conflict_driven_spawning"] = {"spawn_mode": mode, "displaced_per_conflict_day": per_day}
        spawn["conflict_spawn_decay"] = list(spawn["conflict_spawn_decay"]) or None
        hasten = values.pop("hasten")
        return {"move_rules": values, "spawn_rules": spawn, "optimisations": {"hasten": hasten}}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, *, source: str = "simsetting.yml") -> SimSettings:
        """Settings from a parsed `simsetting.yml`; unknown keys and wrong types raise InputError naming the key."""
        if data is not None and not isinstance(data, Mapping):
            raise InputError(Issue(source, f"must be a mapping of settings, not a {type(data).__name__}"))
        known = {f.name: f for f in fields(cls) if f.name != "ignored"}
        values: dict[str, Any] = {}
        ignored: list[str] = []
        issues: list[Issue] = []
        for section, body in (data or {}).items():
            if section in SECTIONS and isinstance(body, Mapping):
                items = [(f"{section}.{key}", key, value) for key, value in body.items()]
            else:
                items = [(str(section), str(section), body)]
            for path, key, value in items:
                scope = path.rsplit(".", 1)[0] if "." in path else ""
                if key == "conflict_driven_spawning" and isinstance(value, Mapping):
                    values["conflict_driven_spawning"] = True
                    for sub, sub_value in value.items():
                        if sub not in ("spawn_mode", "displaced_per_conflict_day"):
                            issues.append(Issue(source, f"unknown setting {path}.{sub}"))
                        else:
                            values[sub] = sub_value
                elif key in known:
                    values[key] = value
                elif key in FLEE_IGNORED_KEYS.get(scope, frozenset()) or key in FLEE_IGNORED_KEYS[""]:
                    ignored.append(path)
                else:
                    issues.append(Issue(source, f"unknown setting {path!r}; see the list in the displacement docs"))
        converted = {}
        for key, value in values.items():
            try:
                converted[key] = _convert(known[key].type, value)
            except (TypeError, ValueError, OverflowError):
                expected = _EXPECTED.get(str(known[key].type), "list of numbers")
                issues.append(Issue(source, f"setting {key!r}: {value!r} is not a {expected}"))
        if issues:
            raise InputError(issues)
        settings = cls(**converted, ignored=tuple(ignored))
        settings.check(source)
        return settings

    def check(self, source: str = "settings") -> None:
        """Raise InputError naming every setting out of its range."""
        problems = []
        positive = ("max_move_speed", "max_walk_speed", "softening", "capacity_scaling", "movechance_pop_base")
        problems += [f"{name} must be > 0" for name in positive if getattr(self, name) <= 0]
        chances = ("conflict_movechance", "camp_movechance", "idpcamp_movechance", "default_movechance")
        problems += [f"{name} must be between 0 and 1" for name in chances if not 0 <= getattr(self, name) <= 1]
        if self.awareness_level < 1:
            problems.append("awareness_level must be 1 or more")
        if not 0 <= self.capacity_buffer <= 1:
            problems.append("capacity_buffer must be between 0 and 1")
        if self.hasten < 1:
            problems.append("hasten must be a whole number of 1 or more")
        if self.spawn_mode not in ("constant", "pop_ratio", "poisson", "pop_poisson"):
            problems.append("spawn_mode must be constant, pop_ratio, poisson or pop_poisson")
        if self.conflict_spawn_decay_interval < 1:
            problems.append("conflict_spawn_decay_interval must be 1 or more")
        if problems:
            raise InputError([Issue(source, problem) for problem in problems])


_EXPECTED = {"bool": "true or false", "int": "whole number", "float": "number", "str": "text"}


def _convert(annotation: Any, value: Any) -> Any:
    kind = str(annotation)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise TypeError(value)
    if kind == "int":
        if isinstance(value, bool) or float(value) != int(float(value)):
            raise TypeError(value)
        return int(float(value))
    if kind == "float":
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    if kind == "str":
        return str(value)
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(float(v) for v in value)
    raise TypeError(value)
