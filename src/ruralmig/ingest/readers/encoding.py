"""Detect a text file's encoding, and transcode it to UTF-8 when DuckDB cannot read it as it is."""

from __future__ import annotations

import codecs
import re
import shutil
import tempfile
from pathlib import Path

from ruralmig.errors import InputError, Issue

__all__ = ["detect_encoding", "to_utf8"]

SAMPLE_BYTES = 1 << 20
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def detect_encoding(path: Path) -> str:
    """UTF-8 unless the file has a UTF-16 BOM or is clearly in a legacy single-byte encoding.

    A file with valid UTF-8 sequences and some invalid bytes is treated as (broken) UTF-8, so that the
    bad lines are reported rather than silently read as mojibake.
    """
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    if _decodes(sample, "utf-8") or _UTF8_MULTIBYTE.search(sample):
        return "utf-8"
    if _decodes(sample, "cp1252"):  # by far the commonest legacy encoding of the field's spreadsheets
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample[: 1 << 16]).best()
    guess = best.encoding if best is not None else "cp1252"
    return guess if guess not in ("utf_8", "utf-8", "ascii") else "cp1252"


def _decodes(sample: bytes, encoding: str) -> bool:
    """True if `sample` decodes; a multi-byte character cut at the sample's end does not count against it."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def to_utf8(path: Path, encoding: str, workdir: Path) -> Path:
    """A UTF-8 copy of `path` in `workdir` (the file itself when it already is UTF-8)."""
    if codecs.lookup(encoding).name == "utf-8":
        return path
    target = Path(tempfile.mkstemp(suffix=".csv", dir=workdir)[1])
    line = 1
    try:
        with (
            path.open("r", encoding=encoding, newline="") as source,
            target.open("w", encoding="utf-8", newline="") as out,
        ):
            for chunk in iter(lambda: source.read(1 << 20), ""):
                out.write(chunk)
                line += chunk.count("\n")
    except UnicodeDecodeError as error:
        target.unlink(missing_ok=True)
        raise InputError(
            Issue(
                path.name,
                f"cannot be read as {encoding} near line {line}: {error.reason}; "
                "give the right encoding with --encoding",
            )
        ) from None
    except LookupError:
        target.unlink(missing_ok=True)
        raise InputError(Issue(path.name, f"unknown encoding {encoding!r}")) from None
    return target


def copy_file(path: Path, workdir: Path) -> Path:
    target = Path(tempfile.mkstemp(suffix=path.suffix, dir=workdir)[1])
    shutil.copyfile(path, target)
    return target
