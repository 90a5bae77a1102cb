"""Keep API keys out of logs: a filter that redacts `rmk_` tokens and credential headers in any record."""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["RedactKeys", "install_redaction", "redact"]

_TOKEN = re.compile(r"rmk_[0-9A-Za-z]+_[A-Za-z0-9_\-]+")
_HEADER = re.compile(r"(?i)((?:authorization|x-api-key)['\"]?\s*[:=,]\s*['\"]?)(?:bearer\s+)?[^\s'\",)]+")
_LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "fastapi", "ruralmig")


def redact(text: str) -> str:
    return _HEADER.sub(r"\1[redacted]", _TOKEN.sub("rmk_[redacted]", text))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        return redact(value.decode("latin-1")).encode("latin-1")
    return value


class RedactKeys(logging.Filter):
    """Rewrites the message and its arguments (uvicorn's access log passes the path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _clean(record.msg) if isinstance(record.msg, str) else record.msg
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _clean(value) for key, value in record.args.items()}
        return True


def install_redaction() -> None:
    """Attach the filter to the uvicorn and ruralmig loggers and to their handlers (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, RedactKeys) for f in target.filters):
                target.addFilter(RedactKeys())
