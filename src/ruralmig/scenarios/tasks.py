"""The work behind each job kind, in two halves.

`prepare_*` runs in the server process, which holds the workspace: it checks the parameters and reads the inputs.
`run_task` runs anywhere (a worker process or a Dask worker): engines only, no storage. `store_*` runs in the
server process again and writes the result as one run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ruralmig.errors import InputError, Issue
from ruralmig.workspace import Workspace

__all__ = ["KINDS", "PreparedTask", "prepare_task", "run_task", "store_result"]

KINDS = ("displacement", "ensemble", "uncertainty")
Progress = Callable[[int, int], None]
_MAX_DAYS = 20_000
_MAX_REPLICAS = 200
_MAX_REPLICATIONS = 100_000


@dataclass
class PreparedTask:
    """What a worker needs (`payload`, picklable) and what the server keeps to store the result."""

    kind: str
    payload: dict[str, Any]
    context: dict[str, Any]
    parameters: dict[str, Any]


def _problem(name: str, reason: str, value: Any) -> InputError:
    return InputError(Issue("parameters", reason, column=name, value=repr(value)[:80]))


def _integer(parameters: Mapping[str, Any], name: str, default: int | None, low: int, high: int) -> int | None:
    value = parameters.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _problem(name, f"must be a whole number from {low} to {high}", value)
    return value


def _text(parameters: Mapping[str, Any], name: str, default: str | None = None) -> str | None:
    value = parameters.get(name, default)
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 120):
        raise _problem(name, "must be a name of 1 to 120 characters", value)
    return value


def _check_known(parameters: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(parameters) - set(allowed))
    if unknown:
        raise _problem(unknown[0], f"is not a parameter of this job (parameters: {', '.join(allowed)})", unknown[0])


def _case(workspace: Workspace, network_id: str) -> Any:
    """The stored network as a case, with the bundled settings when it is a bundled case."""
    from ruralmig.datasets import burundi_case_folder
    from ruralmig.ingest.flee import read_case

    settings = None
    folder = burundi_case_folder()
    if folder.name == network_id or network_id == "burundi2015":
        settings = read_case(folder).settings
    return workspace.displacement_case(network_id, settings=settings)


def prepare_task(workspace: Workspace, kind: str, parameters: Mapping[str, Any]) -> PreparedTask:
    """Check the parameters and read the inputs (the caller holds the workspace lock)."""
    if kind in ("displacement", "ensemble"):
        allowed = ("network_id", "seed", "days") + (("replicas",) if kind == "ensemble" else ())
        _check_known(parameters, allowed)
        network_id = _text(parameters, "network_id")
        if network_id is None:
            raise _problem("network_id", "is required (see GET /api/displacement/networks)", None)
        seed = _integer(parameters, "seed", 1, 0, 2**62)
        days = _integer(parameters, "days", None, 1, _MAX_DAYS)
        case = _case(workspace, network_id)
        checked: dict[str, Any] = {"network_id": network_id, "seed": seed, "days": days}
        payload: dict[str, Any] = {"case": case, "seed": seed, "days": days}
        if kind == "ensemble":
            replicas = _integer(parameters, "replicas", 10, 1, _MAX_REPLICAS)
            checked["replicas"] = payload["replicas"] = replicas
        return PreparedTask(kind, payload, {"case": case}, checked)
    if kind == "uncertainty":
        return _prepare_uncertainty(workspace, parameters)
    raise _problem("kind", f"must be one of {', '.join(KINDS)}", kind)


def _prepare_uncertainty(workspace: Workspace, parameters: Mapping[str, Any]) -> PreparedTask:
    from ruralmig.index.bundled import bundled_definition
    from ruralmig.scenarios.queries import run_record

    _check_known(parameters, ("run_id", "definition", "n_replications", "seed", "period"))
    run_id = _text(parameters, "run_id")
    name = _text(parameters, "definition")
    if (run_id is None) == (name is None):
        raise _problem("run_id", "give either run_id (a stored index run) or definition (a bundled one)", run_id)
    if run_id is not None:
        record = run_record(workspace.store, run_id)
        text = (record or {}).get("parameters", {}).get("definition") if record else None
        if record is None or record["engine"] != "index" or not isinstance(text, str):
            raise _problem("run_id", "is not a stored index run with its definition", run_id)
    else:
        try:
            text = bundled_definition(str(name)).read_text(encoding="utf-8")
        except Exception as error:
            raise _problem("definition", f"is not a bundled definition ({error})", name) from None
    replications = _integer(parameters, "n_replications", 1000, 10, _MAX_REPLICATIONS)
    seed = _integer(parameters, "seed", 1, 0, 2**62)
    period = _text(parameters, "period")
    values = workspace.read("indicators")[["area_id", "period", "indicator", "value", "imputed"]]
    checked = {"run_id": run_id, "definition": name, "n_replications": replications, "seed": seed, "period": period}
    payload = {"definition": text, "values": values, "n_replications": replications, "seed": seed, "period": period}
    return PreparedTask("uncertainty", payload, {"definition": text, "values": values}, checked)


def run_task(kind: str, payload: dict[str, Any], progress: Progress | None = None) -> Any:
    """The engine work of one job; runs in a worker process or on a Dask worker (no storage here)."""
    if kind == "displacement":
        from ruralmig.displacement import simulate

        return simulate(payload["case"], seed=payload["seed"], days=payload["days"], progress=progress)
    if kind == "ensemble":
        from ruralmig.displacement.ensemble import run_ensemble

        return run_ensemble(
            payload["case"],
            replicas=payload["replicas"],
            seed=payload["seed"],
            days=payload["days"],
            workers=1,
            progress=progress,
        )
    if kind == "uncertainty":
        import warnings

        from ruralmig.errors import DataQualityWarning
        from ruralmig.index.definition import IndexDefinition
        from ruralmig.index.uncertainty import UncertaintyAnalysis

        definition = IndexDefinition.from_yaml_text(payload["definition"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            model = UncertaintyAnalysis(
                definition=definition,
                unit_column="area_id",
                period=payload["period"],
                n_replications=payload["n_replications"],
                seed=payload["seed"],
                absent="missing",  # indicators the workspace lacks count as missing; coverage rules decide
            ).fit(payload["values"])
        if progress is not None:
            progress(1, 1)
        return model.result_
    raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")


def store_result(workspace: Workspace, task: PreparedTask, result: Any) -> str:
    """Write the job's result as one stored run (the caller holds the workspace lock); return its run id."""
    from ruralmig.scenarios.persist import save_run

    if task.kind == "displacement":
        return workspace.save_displacement_run(result, task.context["case"])
    if task.kind == "ensemble":
        return save_ensemble_run(workspace.store, result, task.context["case"])
    if task.kind == "uncertainty":
        from ruralmig.index.definition import IndexDefinition

        definition = IndexDefinition.from_yaml_text(task.context["definition"])
        frame = pd.DataFrame(
            {
                "unit": [str(u) for u in result.units],
                "period": str(result.period),
                "node": definition.root,
                "kind": "node",
                "score": result.nominal_score,
                "score_rank": pd.Series(result.nominal_rank).round().astype("Int64"),
                "rank_low": result.rank_low,
                "rank_high": result.rank_high,
                "score_low": result.score_low,
                "score_high": result.score_high,
            }
        )
        values = task.context["values"]
        return save_run(
            workspace.store,
            engine="index",
            parameters={
                "definition": task.context["definition"],
                "uncertainty": {k: v for k, v in result.parameters.items() if k != "period"},
                "period": str(result.period),
                "source_run": task.parameters.get("run_id"),
            },
            seed=result.seed,
            inputs_hash=hashlib.sha256(values.to_csv(index=False).encode()).hexdigest(),
            tables={"index_results": frame},
        )
    raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {task.kind!r}")


def save_ensemble_run(store: Any, result: Any, case: Any) -> str:
    """Store an ensemble as one run: the median per location and day, with the 5-95 % band of the replicas."""
    from ruralmig.scenarios.persist import save_run

    bands = result.percentiles((5, 50, 95))
    tidy = pd.DataFrame(
        {
            "location": bands["location"],
            "day": bands["day"],
            "date": bands["date"],
            "agents": bands["p50"].round().astype("int64"),
            "agents_low": bands["p5"],
            "agents_high": bands["p95"],
        }
    )
    observed = (
        result.observed[result.camps]
        .iloc[: result.days]
        .reset_index(names="day")
        .melt(id_vars="day", var_name="location", value_name="observed")
    )
    tidy = tidy.merge(observed, on=["location", "day"], how="left")
    ard = result.ard()
    parameters = {
        "case": case.name,
        "replicas": result.replicas,
        "seeds": result.seeds,
        "days": result.days,
        "spawning": result.spawning,
        "settings": result.settings.to_flee_mapping(),
        "stored": "median over replicas, with the 5th and 95th percentiles",
        "ard_mean": ard["mean"],
        "ard_sd": ard["sd"],
    }
    return save_run(
        store,
        engine="ensemble",
        parameters=parameters,
        seed=result.seed,
        inputs_hash=case.inputs_hash(),
        tables={"displacement_results": tidy},
    )
