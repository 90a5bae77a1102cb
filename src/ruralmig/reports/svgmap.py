"""Boundaries drawn as inline SVG paths (no JavaScript, no tiles): shapely geometries to `<path d="...">`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["MapShape", "svg_map"]


@dataclass(frozen=True)
class MapShape:
    """One area to draw: its geometry (lon/lat), fill colour and tooltip text."""

    geometry: BaseGeometry
    fill: str
    title: str
    stroke: str = "#4a5560"


def _rings(geometry: BaseGeometry) -> list[Sequence[tuple[float, float]]]:
    rings: list[Sequence[tuple[float, float]]] = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        rings.append(list(polygon.exterior.coords))
        rings.extend(list(interior.coords) for interior in polygon.interiors)
    return rings


def svg_map(shapes: Sequence[MapShape], *, width: int = 640, label: str = "Map", tolerance: float = 0.01) -> str:
    """An `<svg>` of the shapes in an equirectangular projection scaled by the cosine of the mid latitude."""
    drawn = [s for s in shapes if s.geometry is not None and not s.geometry.is_empty]
    if not drawn:
        return ""
    west, south, east, north = shapely.total_bounds([s.geometry for s in drawn])
    stretch = math.cos(math.radians((south + north) / 2)) or 1.0
    span_x = max((east - west) * stretch, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = width / span_x
    height = max(int(span_y * scale), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;max-height:560px">',
        f"<title>{escape(label)}</title>",
    ]
    for shape in drawn:
        simple = shape.geometry.simplify(tolerance, preserve_topology=True)
        commands = []
        for ring in _rings(simple):
            points = [f"{(x - west) * stretch * scale:.1f},{(north - y) * scale:.1f}" for x, y in ring]
            commands.append("M" + "L".join(points) + "Z")
        if commands:
            parts.append(
                f'<path d="{"".join(commands)}" fill="{escape(shape.fill)}" stroke="{escape(shape.stroke)}" '
                f'stroke-width="0.6" fill-rule="evenodd"><title>{escape(shape.title)}</title></path>'
            )
    parts.append("</svg>")
    return "".join(parts)
