"""Ingestion: read files, map them to canonical tables, validate every row, write atomically."""

from ruralmig.ingest.pipeline import ingest_file, sha256_of
from ruralmig.ingest.readers import SUPPORTED_SUFFIXES
from ruralmig.ingest.report import IngestResult, ValidationReport
from ruralmig.ingest.source import ReaderOptions

__all__ = ["SUPPORTED_SUFFIXES", "IngestResult", "ReaderOptions", "ValidationReport", "ingest_file", "sha256_of"]
