"""Response and request models of the REST API (they make the OpenAPI schema precise)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Area",
    "AuditEvent",
    "CreatedKeyOut",
    "DisplacementRun",
    "Estimate",
    "Health",
    "IndexRun",
    "IndexScore",
    "IndicatorSummary",
    "IndicatorValue",
    "Job",
    "JobRequest",
    "KeyOut",
    "KeyRequest",
    "Me",
    "Network",
    "NetworkSummary",
    "Pressure",
    "ProvenanceEntry",
    "SurveyRun",
    "TableInfo",
    "UploadResult",
    "ValidationFailure",
]


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Health(Model):
    status: str
    version: str
    workspace: str
    schema_version: int | None


class Me(Model):
    key_id: str
    role: Literal["viewer", "analyst", "admin"]
    grants: list[str] | None


class Area(Model):
    area_id: str
    name: str | None
    admin_level: int | None
    parent_id: str | None
    country_iso3: str | None
    population: float | None


class IndicatorSummary(Model):
    indicator: str
    unit: str | None
    source: str | None
    areas: int
    periods: int
    first_period: str | None
    last_period: str | None


class IndicatorValue(Model):
    area_id: str
    period: str
    indicator: str
    value: float | None
    unit: str | None
    source: str | None
    imputed: bool | None


class IndexRun(Model):
    run_id: str
    created_at: str
    definition_name: str | None
    nodes: int
    units: int
    periods: int


class IndexScore(Model):
    unit: str
    period: str
    node: str
    kind: str
    score: float | None
    score_rank: int | None
    risk_class: str | None
    reliability: float | None
    rank_low: float | None
    rank_high: float | None
    score_low: float | None
    score_high: float | None
    missing_share: float | None


class NetworkSummary(Model):
    network_id: str
    locations: int
    routes: int
    first_date: str | None


class NetworkLocation(Model):
    name: str
    region: str | None
    kind: str
    lat: float | None
    lon: float | None
    population: float | None
    area_id: str | None


class NetworkRoute(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    distance: float


class Network(Model):
    network_id: str
    locations: list[NetworkLocation]
    routes: list[NetworkRoute]


class DisplacementRun(Model):
    run_id: str
    created_at: str
    network_id: str | None
    seed: int | None
    days: int | None
    ard: float | None
    kind: str


class Arrival(Model):
    location: str
    day: int
    date: str
    agents: float
    observed: float | None
    agents_low: float | None = None  # ensemble runs: 5th percentile over the replicas (agents = median)
    agents_high: float | None = None  # ensemble runs: 95th percentile


class Pressure(Model):
    area_id: str
    day: int
    date: str
    arrivals: float
    host_population: float | None
    ratio: float | None
    food_kcal: float
    water_litres: float


class SurveyRun(Model):
    run_id: str
    survey_id: str
    created_at: str
    indicators: int
    design: Any = None


class Estimate(Model):
    indicator: str
    statistic: str
    domain: str
    domain_value: str
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    deff: float | None
    n: int
    cv: float | None
    unit: str | None
    flag: str


class TableInfo(Model):
    table: str
    family: str
    rows: int
    description: str
    sensitive: bool
    uploadable: bool


class ProvenanceEntry(Model):
    ingest_id: str
    table: str
    file: str
    sha256: str
    rows: int
    mode: str
    code_version: str
    started_at: str
    finished_at: str


class UploadResult(Model):
    table: str
    rows: int
    ingest_id: str | None


class IssueOut(Model):
    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str


class ValidationFailure(Model):
    detail: str
    issues: list[IssueOut]
    total: int


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["displacement", "ensemble", "uncertainty"]
    parameters: dict[str, Any] = Field(default_factory=dict)


class Job(Model):
    job_id: str
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float | None
    message: str | None
    run_id: str | None
    created_at: str
    updated_at: str


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: Literal["viewer", "analyst", "admin"] = "viewer"
    grants: list[str] | None = None


class KeyOut(Model):
    key_id: str
    name: str
    role: str
    grants: list[str] | None
    created_at: str
    revoked_at: str | None


class CreatedKeyOut(Model):
    key_id: str
    key: str
    name: str
    role: str
    grants: list[str] | None


class AuditEvent(Model):
    event_id: str
    at: str
    key_id: str | None
    role: str | None
    action: str
    target: str | None
    status: int | None
    detail: Any = None
