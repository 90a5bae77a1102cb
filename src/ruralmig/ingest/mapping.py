"""Map a file's columns to a canonical table: by name, alias, HXL hashtag or the user's --map."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ruralmig.errors import Issue
from ruralmig.ingest.hxl import best_tag_match, tag_label
from ruralmig.ingest.source import StagedSource
from ruralmig.model import DataType, Table

__all__ = ["ColumnMapping", "map_columns", "normalise_name"]


def normalise_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


@dataclass
class ColumnMapping:
    """Where each canonical column comes from."""

    sources: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    constants: dict[str, str] = field(default_factory=dict)  # canonical -> value for every row
    melted: dict[str, str] = field(default_factory=dict)  # source column -> indicator name (wide files)
    extras: list[str] = field(default_factory=list)  # source columns kept in `attributes`
    ignored: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def map_columns(
    table: Table,
    staged: StagedSource,
    user_map: dict[str, str],
    constants: dict[str, str],
    skip: tuple[str, ...] = (),
) -> ColumnMapping:
    """Resolve the mapping; problems (unknown names, missing required columns) become issues."""
    mapping = ColumnMapping()
    file = staged.file
    for name in skip:
        if name not in staged.columns:
            mapping.issues.append(Issue(file, f"--skip names a column {name!r} that the file does not have"))
    mapping.ignored.extend(name for name in skip if name in staged.columns)
    by_tag = {tag.lower(): column for column, tag in staged.hxl_tags.items()}
    for source, target in user_map.items():
        found = source if source in staged.columns else by_tag.get(source.lower())
        if found is None and source.startswith("#"):
            found = best_tag_match((source,), staged.hxl_tags)
        if found is None:
            mapping.issues.append(Issue(file, f"--map names a column {source!r} that the file does not have"))
        elif target not in table.column_index:
            mapping.issues.append(
                Issue(
                    file,
                    f"--map target {target!r} is not a column of {table.name}; "
                    f"its columns are: {', '.join(table.column_names)}",
                )
            )
        else:
            mapping.sources[target] = found
    for target, value in constants.items():
        if target not in table.column_index:
            mapping.issues.append(Issue(file, f"--set names {target!r}, which is not a column of {table.name}"))
        elif target in mapping.sources:
            mapping.issues.append(Issue(file, f"--set {target} and --map to {target} cannot both be given"))
        else:
            mapping.constants[target] = value
    _auto_map(table, staged, mapping)
    used = set(mapping.sources.values()) | set(skip)
    unmapped = [c for c in staged.columns if c not in used and c != staged.geometry_column]
    _place_unmapped(table, staged, mapping, unmapped)
    for column in table.columns:
        if column.name in mapping.sources or column.name in mapping.constants:
            continue
        if column.default is not None:
            mapping.constants[column.name] = column.default
        elif column.required and not (mapping.melted and table.long_format and column.name in table.long_format):
            mapping.issues.append(
                Issue(
                    file,
                    f"has no column for the required {table.name} column {column.name!r}; "
                    f"name a column with --map SOURCE={column.name}",
                    column=column.name,
                )
            )
    return mapping


def _auto_map(table: Table, staged: StagedSource, mapping: ColumnMapping) -> None:
    by_name = {normalise_name(c): c for c in reversed(staged.columns) if c not in mapping.ignored}
    for column in table.columns:
        if column.name in mapping.sources or column.name in mapping.constants:
            continue
        if column.dtype is DataType.GEOMETRY:
            if staged.geometry_column is not None:
                mapping.sources[column.name] = staged.geometry_column
            continue
        found = by_name.get(column.name)
        if found is None and staged.hxl_tags and column.hxl:
            found = best_tag_match(column.hxl, staged.hxl_tags)
        if found is None:
            found = next((by_name[a] for a in column.aliases if a in by_name), None)
        if found is not None:
            mapping.sources[column.name] = found


def _place_unmapped(table: Table, staged: StagedSource, mapping: ColumnMapping, unmapped: list[str]) -> None:
    if not unmapped:
        return
    if table.long_format is not None:
        name_column, value_column = table.long_format
        if (
            name_column not in mapping.sources
            and value_column not in mapping.sources
            and (name_column not in mapping.constants)
        ):
            for column in unmapped:
                tag = staged.hxl_tags.get(column)
                mapping.melted[column] = tag_label(tag) if tag else normalise_name(column) or column
            return
    if table.extra_columns:
        mapping.extras.extend(unmapped)
    else:
        mapping.ignored.extend(unmapped)
