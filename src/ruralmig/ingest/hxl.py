"""Match HXL hashtags (``#adm1+code``) to canonical columns, with libhxl's pattern rules."""

from __future__ import annotations

from functools import cache

__all__ = ["best_tag_match", "tag_label"]


@cache
def _pattern(text: str) -> object:
    import hxl.model

    return hxl.model.TagPattern.parse(text)


@cache
def _column(tag: str) -> object | None:
    import hxl.model

    try:
        parsed: object = hxl.model.Column.parse(tag)
    except Exception:  # libhxl raises HXLException and others for malformed tags
        return None
    return parsed


def _attributes(tag: str) -> set[str]:
    parsed = _column(tag)
    return set(getattr(parsed, "attributes", set()) or set())


def best_tag_match(patterns: tuple[str, ...], tags: dict[str, str]) -> str | None:
    """The source column whose hashtag best matches one of `patterns`.

    Earlier patterns win; for the same pattern, the tag with the fewest extra attributes wins, so
    ``#adm+code`` picks ``#adm+code`` over ``#adm+code+parent``.
    """
    best: tuple[int, int, int] | None = None
    chosen = None
    for rank, text in enumerate(patterns):
        pattern = _pattern(text)
        pattern_attributes = _attributes(text)
        for position, (column, tag) in enumerate(tags.items()):
            parsed = _column(tag)
            if parsed is None or not pattern.match(parsed):  # type: ignore[attr-defined]
                continue
            score = (rank, len(_attributes(tag) - pattern_attributes), position)
            if best is None or score < best:
                best, chosen = score, column
        if chosen is not None:
            return chosen
    return chosen


def tag_label(tag: str) -> str:
    """A readable indicator name from a hashtag: ``#affected+idps+f`` -> ``affected+idps+f``."""
    parsed = _column(tag)
    display = getattr(parsed, "display_tag", None) or tag
    return str(display).lstrip("#")
