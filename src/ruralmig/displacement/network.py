"""The displacement network compiled to arrays: locations, directed links in CSR order, closures by day."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.settings import SimSettings
from ruralmig.errors import InputError, Issue

__all__ = ["Network", "compile_network"]

TOWN, CONFLICT, CAMP, IDPCAMP, FORWARDING, MARKER = 0, 1, 2, 3, 4, 5


def location_kind(location_type: str) -> int:
    """Flee's substring rules for location types."""
    location_type = location_type.lower()
    if "idpcamp" in location_type:
        return IDPCAMP
    if "camp" in location_type:
        return CAMP
    if location_type.startswith("conflict"):
        return CONFLICT
    if location_type.startswith("forward"):
        return FORWARDING
    if "marker" in location_type:
        return MARKER
    return TOWN


@dataclass
class Network:
    """Arrays of the graph. Links are directed; link k goes from `source[k]` to `target[k]`, sorted by source."""

    names: list[str]
    kind: np.ndarray  # int8, initial kind (conflict zones with a later conflict date start as towns)
    population: np.ndarray  # float64, population for towns, capacity for camps (both / hasten)
    foreign: np.ndarray  # bool
    source: np.ndarray  # int32
    target: np.ndarray  # int32
    distance: np.ndarray  # float64 km
    speed: np.ndarray  # float64 km/day per link
    offsets: np.ndarray  # int64, CSR: links of location i are offsets[i]:offsets[i+1]
    country: list[str]
    # Closure events: day -> list of (link indices, open?) and camp retypes (location index, is_camp?)
    link_events: dict[int, list[tuple[np.ndarray, bool]]]
    camp_events: dict[int, list[tuple[int, bool]]]

    @property
    def size(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        return self.names.index(name)


def compile_network(case: DisplacementCase, settings: SimSettings) -> Network:
    """Arrays for the engine; closures become open/close events on days."""
    locations = case.locations
    names = locations["name"].astype(str).tolist()
    position = {name: i for i, name in enumerate(names)}
    kinds = np.array([location_kind(str(t)) for t in locations["location_type"]], dtype=np.int8)
    later = (kinds == CONFLICT) & (locations["conflict_date"].fillna(0).to_numpy(dtype=float) > 0)
    kinds[later] = TOWN
    population = np.floor(locations["population"].fillna(0).to_numpy(dtype=float) / settings.hasten)
    countries = locations["country"].astype(str).tolist()
    foreign = np.array([c != countries[0] for c in countries], dtype=bool)

    routes = case.routes
    unknown = [(i + 1, n) for i, (a, b) in enumerate(zip(routes["name1"], routes["name2"], strict=True))
               for n in (a, b) if n not in position]  # fmt: skip
    if unknown:
        raise InputError([Issue("routes.csv", "names an unknown location", row=r, column="name", value=n)
                          for r, n in unknown])  # fmt: skip
    one = np.array([position[n] for n in routes["name1"]], dtype=np.int32)
    two = np.array([position[n] for n in routes["name2"]], dtype=np.int32)
    km = routes["distance"].to_numpy(dtype=float)
    link_speed = np.full(len(routes), float(settings.max_move_speed))
    if "max_move_speed" in routes.columns:
        given = routes["max_move_speed"].to_numpy(dtype=float)
        link_speed = np.where(np.isfinite(given) & (given > 0), given, link_speed)
    source = np.concatenate([one, two])
    target = np.concatenate([two, one])
    order = np.argsort(source, kind="stable")
    source, target = source[order], target[order]
    distance = np.concatenate([km, km])[order]
    speed = np.concatenate([link_speed, link_speed])[order]
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    np.add.at(offsets, source + 1, 1)
    offsets = np.cumsum(offsets)
    network = Network(names, kinds, population, foreign, source, target, distance, speed, offsets, countries, {}, {})
    _closure_events(case, network)
    return network


def _closure_events(case: DisplacementCase, network: Network) -> None:
    position = {name: i for i, name in enumerate(network.names)}
    country = np.array(network.country)
    closures = case.closures.to_dict("records")
    for row, closure in enumerate(closures, start=1):
        kind, one, two = str(closure["closure_type"]), str(closure["name1"]), str(closure["name2"])
        start, end = int(float(str(closure["closure_start"]))), int(float(str(closure["closure_end"])))
        if kind == "country":
            links = np.flatnonzero(
                ((country[network.source] == one) & (country[network.target] == two))
                | ((country[network.source] == two) & (country[network.target] == one))
            )
        elif kind == "location":
            where = position.get(one)
            if where is None:
                raise InputError(Issue("closures.csv", "names an unknown location", row=row, column="name1", value=one))
            links = np.flatnonzero((network.source == where) | (network.target == where))
        elif kind in ("link", "drop_link"):
            if one not in position or two not in position:
                raise InputError(Issue("closures.csv", "names an unknown location", row=row, column="name1"))
            a, b = position[one], position[two]
            links = np.flatnonzero(((network.source == a) & (network.target == b))
                                   | ((network.source == b) & (network.target == a)))  # fmt: skip
        elif kind in ("camp", "idpcamp"):
            if one not in position:
                raise InputError(Issue("closures.csv", "names an unknown camp", row=row, column="name1", value=one))
            network.camp_events.setdefault(start, []).append((position[one], False))
            if end >= 0:
                network.camp_events.setdefault(end, []).append((position[one], True))
            continue
        else:  # remove_forced_redirection and other flags that change nothing in Flee either
            continue
        network.link_events.setdefault(start, []).append((links, False))
        if end >= 0:
            network.link_events.setdefault(end, []).append((links, True))
