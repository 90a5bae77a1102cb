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


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
