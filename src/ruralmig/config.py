"""One settings object, read from ``RURALMIG_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

DEFAULT_WORKSPACE_FILE = "ruralmig.duckdb"


class Settings(BaseSettings):
    """Run-time settings. Each field can be set as ``RURALMIG_<FIELD>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="RURALMIG_", extra="ignore")

    workspace_dir: Path = Field(default=Path("."), description="Folder of the DuckDB workspace file.")
    database_url: str | None = Field(
        default=None,
        description="postgresql://user@host:port/db selects a PostgreSQL workspace instead of DuckDB.",
    )
    database_schema: str = Field(default="ruralmig", description="PostgreSQL schema that holds the workspace.")
    dask_address: str | None = Field(default=None, description="Address of a Dask scheduler.")
    memory_limit: str = Field(default="2GB", description="Memory DuckDB may use (e.g. '2GB').")
    disclosure_min_n: int = Field(default=30, ge=1, description="Survey cells with fewer sample units are suppressed.")
    disclosure_max_cv: float = Field(default=0.3, gt=0, description="Survey cells with a larger CV fail the CV rule.")
    disclosure_action: str = Field(
        default="suppress", pattern="^(suppress|flag|raise)$", description="suppress, flag or raise on failing cells."
    )
    api_rate_per_minute: float = Field(default=30.0, description="Jobs and uploads per minute per API key.")
    api_rate_burst: int = Field(default=10, description="Jobs and uploads an API key may send at once.")
    upload_max_bytes: int = Field(default=50 * 1024 * 1024, description="Largest file the API accepts.")
    job_workers: int = Field(default=2, description="Worker processes that run API jobs.")


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
