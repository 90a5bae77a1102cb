"""The simulation loop: one day at a time, every agent at once (struct of arrays, no Python loop over agents)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ruralmig.displacement.agents import Agents
from ruralmig.displacement.case import DisplacementCase
from ruralmig.displacement.network import CAMP, CONFLICT, IDPCAMP, MARKER, TOWN, Network, compile_network
from ruralmig.displacement.observed import observed_camp_counts
from ruralmig.displacement.result import SimulationResult
from ruralmig.displacement.routes import WeightedChooser, enumerate_paths, path_weights
from ruralmig.displacement.rules import (
    capacity_multiplier,
    conflict_decay,
    link_weights,
    location_scores,
    move_chances,
)
from ruralmig.displacement.settings import SimSettings
from ruralmig.displacement.spawning import conflict_driven_counts, spawn_origins, spawn_weights

__all__ = ["simulate"]

Progress = Callable[[int, int], None]


def simulate(
    case: DisplacementCase,
    *,
    seed: int = 0,
    settings: SimSettings | None = None,
    days: int | None = None,
    spawning: str = "data",
    progress: Progress | None = None,
) -> SimulationResult:
    """Run the case for `days` (default: its length) and return daily counts per location.

    `spawning="data"` follows the observed camp totals, as Flee does; `"conflict"` spawns from conflict
    intensity and population only, for true forecasts. The same seed gives the same result.
    """
    settings = settings or case.settings
    settings.check()
    if spawning not in ("data", "conflict"):
        raise ValueError(f"spawning must be 'data' or 'conflict'; got {spawning!r}")
    length = case.length if days is None else int(days)
    network = compile_network(case, settings)
    state = _State(case, network, settings, length, np.random.default_rng(seed))
    for day in range(length):
        state.step(day, spawning)
        if progress is not None:
            progress(day + 1, length)
    return SimulationResult(
        case_name=case.name,
        seed=seed,
        settings=settings,
        spawning=spawning,
        start_date=case.start_date,
        locations=network.names,
        camps=[c for c in case.camps if c in state.observed.columns],
        counts=state.counts,
        observed=state.observed.iloc[:length],
        travelling=state.travelling,
        spawned=state.spawned,
        debt=state.debt_series,
    )


class _State:
    """Everything that changes from day to day."""

    def __init__(
        self, case: DisplacementCase, network: Network, settings: SimSettings, length: int, rng: np.random.Generator
    ) -> None:
        self.network, self.settings, self.rng = network, settings, rng
        self.kind = network.kind.copy()
        self.base_kind = network.kind.copy()
        self.capacity = np.where((network.kind == CAMP) | (network.kind == IDPCAMP), network.population, -1.0)
        self.population = np.where(self.capacity < 0, network.population, 0.0)
        self.conflict = np.zeros(network.size)
        self.conflict_since = np.zeros(network.size, dtype=np.int64)
        self.open_link = np.ones(network.source.size, dtype=bool)
        self.intensity = _conflict_matrix(case, network, length)
        self.observed = observed_camp_counts(case, settings.hasten)
        self.camp_index = np.array([network.index(c) for c in self.observed.columns], dtype=np.int64)
        self.data_totals = self.observed.sum(axis=1).to_numpy()
        markers = network.kind == MARKER
        self.paths = None
        if settings.awareness_level > 1 or markers.any():  # markers are waypoints: choose whole paths
            self.paths = enumerate_paths(network, settings.awareness_level, markers)
        route_length = self.paths.links.shape[1] - 1 if self.paths is not None else 0
        self.agents = Agents(max(1024, int(self.data_totals.max(initial=0)) + 1), route_length=route_length)
        self.debt = 0
        self.counts = np.zeros((length, network.size), dtype=np.int64)
        self.travelling = np.zeros(length, dtype=np.int64)
        self.spawned = np.zeros(length, dtype=np.int64)
        self.debt_series = np.zeros(length, dtype=np.int64)

    def step(self, day: int, spawning: str) -> None:
        self._update_conflicts(day)
        decay = conflict_decay(self.settings, self.conflict_since, day)
        before = self.agents.size
        if spawning == "data":
            self._spawn_from_data(day, decay)
        else:
            self._spawn_from_conflict(day, decay)
        self._apply_closures(day)
        self._evolve(decay)
        self.spawned[day] = self.agents.size - before
        self.debt_series[day] = self.debt
        travelling = self.agents.live("link") >= 0
        here = self.agents.live("location")[~travelling]
        self.counts[day] = np.bincount(here, minlength=self.network.size)
        self.travelling[day] = int(travelling.sum())

    def _update_conflicts(self, day: int) -> None:
        today = self.intensity[min(day, self.intensity.shape[0] - 1)]
        started = (today > 0) & (self.conflict <= 0)
        ended = (today <= 0) & (self.conflict > 0)
        self.conflict_since[started] = day
        self.kind[started] = CONFLICT
        self.kind[ended] = np.where(self.base_kind[ended] == CONFLICT, TOWN, self.base_kind[ended])
        self.conflict = today.copy()  # changes between two non-zero intensities apply (Flee ignores them)

    def _spawn_from_data(self, day: int, decay: np.ndarray) -> None:
        if day == 0:
            if self.settings.insert_day0:
                initial = self.observed.iloc[0].to_numpy()
                self.agents.add(np.repeat(self.camp_index, initial).astype(np.int32))
            return
        new = int(self.data_totals[day] - self.data_totals[day - 1]) - self.debt
        if new < 0:
            self.debt, new = -new, 0
        else:
            self.debt = 0
        weights = spawn_weights(self.population, self.conflict, decay)
        if new > 0 and weights.sum() <= 0:
            self.debt += new  # nobody can be displaced from nowhere; carry it over
            return
        self.agents.add(spawn_origins(self.rng, weights, new))

    def _spawn_from_conflict(self, day: int, decay: np.ndarray) -> None:
        if day == 0 and self.settings.insert_day0 and len(self.observed):
            initial = self.observed.iloc[0].to_numpy()  # the camps' populations at the start are known
            self.agents.add(np.repeat(self.camp_index, initial).astype(np.int32))
        counts = conflict_driven_counts(self.rng, self.settings, self.population, self.conflict, decay)
        if self.settings.take_from_population:
            counts = np.minimum(counts, self.population.astype(np.int64))
            self.population -= counts
        self.agents.add(np.repeat(np.arange(counts.size, dtype=np.int32), counts))

    def _apply_closures(self, day: int) -> None:
        for links, is_open in self.network.link_events.get(day, []):
            self.open_link[links] = is_open
        for location, is_camp in self.network.camp_events.get(day, []):
            self.kind[location] = self.base_kind[location] if is_camp else TOWN

    def _evolve(self, decay: np.ndarray) -> None:
        network, settings = self.network, self.settings
        at = self.agents.live("location")
        link = self.agents.live("link")
        residents = np.bincount(at[link < 0], minlength=network.size).astype(float)
        score = location_scores(settings, self.kind, network, self.conflict, decay)
        capacity = np.where((self.kind == CAMP) | (self.kind == IDPCAMP), self.capacity, -1.0)
        self.capacity_mult = capacity_multiplier(settings, capacity, residents)
        if self.paths is None:
            weights = link_weights(settings, network, score, self.capacity_mult, self.open_link)
            choice = WeightedChooser(network.source, network.offsets, weights, self.open_link)
        else:
            weights = path_weights(settings, self.paths, score, self.capacity_mult, self.open_link)
            usable = np.append(self.open_link, True)[self.paths.links].all(axis=1)
            choice = WeightedChooser(self.paths.start, self.paths.offsets, weights, usable)
        chances = move_chances(settings, self.kind, network)
        self._decide(np.flatnonzero(link < 0), chances, choice)
        moved_today = np.zeros(self.agents.size, dtype=np.float32)
        self._travel(chances, choice, moved_today)
        recent = self.agents.live("recent")
        recent[:] = (recent + moved_today / settings.max_move_speed) / 2

    def _decide(self, who: np.ndarray, chances: np.ndarray, choice: WeightedChooser) -> np.ndarray:
        """Agents in `who` (not travelling) follow their route, or draw whether to move and pick a link or path.

        Returns the agents that stepped onto a link.
        """
        agents = self.agents
        following = np.zeros(0, dtype=np.int64)
        if self.paths is not None and who.size and agents.route.shape[1] > 0:
            has_route = agents.route[who, 0] >= 0
            following, dropped = self._follow_routes(who[has_route])
            who = np.concatenate([who[~has_route], dropped])
        at = agents.location[who]
        movers = who[(self.rng.random(who.size) < chances[at]) & choice.can_leave[at]]
        if movers.size:
            picked = choice.pick(self.rng, agents.location[movers])
            if self.paths is None:
                agents.link[movers] = picked
            else:
                agents.link[movers] = self.paths.links[picked, 0]
                agents.route[movers] = self.paths.links[picked, 1:]
            agents.on_link[movers] = 0.0
        moving: np.ndarray = np.concatenate([following, movers])
        return moving

    def _follow_routes(self, who: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Agents with a route take its next link, unless it is closed or its camp is nearly full (then they
        drop the route and decide again). Returns (stepping, dropped)."""
        agents, network = self.agents, self.network
        route = agents.route[who]
        following = route[:, 0]
        last = route[np.arange(who.size), (route >= 0).sum(axis=1) - 1]
        goal = network.target[last]
        full_camp = ((self.kind[goal] == CAMP) | (self.kind[goal] == IDPCAMP)) & (self.capacity_mult[goal] < 0.5)
        drop = ~self.open_link[following] | full_camp
        dropped, going = who[drop], who[~drop]
        agents.route[dropped] = -1
        agents.link[going] = following[~drop]
        agents.on_link[going] = 0.0
        agents.route[going, :-1] = agents.route[going, 1:]
        agents.route[going, -1] = -1
        return going, dropped

    def _travel(self, chances: np.ndarray, choice: WeightedChooser, moved_today: np.ndarray) -> None:
        """Flee's finish_travel: each link taken gets a day's speed; arrivals with distance to spare go on."""
        network, settings, agents = self.network, self.settings, self.agents
        active = np.flatnonzero(agents.live("link") >= 0)
        while active.size:
            links = agents.link[active]
            speed = network.speed[links].copy()
            if settings.start_on_foot:
                first = ~agents.has_moved[active]
                speed[first] = np.minimum(speed[first], settings.max_walk_speed)
            agents.on_link[active] += speed
            moved_today[active] += speed
            overshoot = agents.on_link[active] - network.distance[links]
            arrived = overshoot > 0
            done = active[arrived]
            moved_today[done] -= overshoot[arrived]
            closed = ~self.open_link[links[arrived]]
            agents.location[done] = np.where(closed, network.source[links[arrived]], network.target[links[arrived]])
            agents.link[done] = -1
            agents.on_link[done] = 0.0
            agents.has_moved[done] = True
            spare = done[moved_today[done] < network.speed[links[arrived]]]
            active = self._decide(spare, chances, choice)


def _conflict_matrix(case: DisplacementCase, network: Network, length: int) -> np.ndarray:
    """Intensity per day (rows, at least one) and location (columns in network order)."""
    rows = max(len(case.conflicts), 1)
    matrix = np.zeros((rows, network.size))
    for column in case.conflicts.columns:
        name = str(column).strip()
        if name in network.names:
            matrix[: len(case.conflicts), network.index(name)] = case.conflicts[column].to_numpy(dtype=float)
    return matrix
