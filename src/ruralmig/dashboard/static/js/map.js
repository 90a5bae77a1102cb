// MapLibre GL JS without tiles or glyphs: a background layer plus GeoJSON sources from the workspace's boundaries.
import * as maplibregl from "../vendor/maplibre-gl/maplibre-gl.mjs";

// INFORM risk classes on the 0-10 scale (scores rounded to one decimal; Very low <= 1.9 < Low <= 3.4 < Medium
// <= 4.9 < High <= 6.4 < Very high), light yellow to dark red.
export const CLASSES = [
  { label: "Very low", range: "0–1.9", upper: 1.9, color: "#fff5c2" },
  { label: "Low", range: "2.0–3.4", upper: 3.4, color: "#fecb6e" },
  { label: "Medium", range: "3.5–4.9", upper: 4.9, color: "#f98b3b" },
  { label: "High", range: "5.0–6.4", upper: 6.4, color: "#d9412b" },
  { label: "Very high", range: "6.5–10", upper: Infinity, color: "#8c0d25" },
];
export const NO_DATA = "#d4d9df";

export function classOf(score) {
  if (typeof score !== "number" || Number.isNaN(score)) return null;
  const rounded = Math.round(score * 10) / 10;
  return CLASSES.find((item) => rounded <= item.upper + 1e-9).label;
}

export function classColorExpression(property) {
  const match = ["match", ["coalesce", ["get", property], ""]];
  for (const item of CLASSES) match.push(item.label, item.color);
  match.push(NO_DATA);
  return match;
}

export function createMap(container, { label }) {
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", label);
  const map = new maplibregl.Map({
    container,
    style: {
      version: 8,
      sources: {},
      layers: [{ id: "background", type: "background", paint: { "background-color": "#dde6ee" } }],
    },
    center: [20, 0],
    zoom: 1.6,
    attributionControl: false,
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  const canvas = map.getCanvas();
  canvas.setAttribute("aria-label", label);
  return map;
}

// Call right after createMap (in the same task), before the style's "load" event can fire.
export function whenLoaded(map) {
  return map.isStyleLoaded() ? Promise.resolve(map) : new Promise((resolve) => map.once("load", () => resolve(map)));
}

export function boundsOf(geojson) {
  let west = 180, south = 90, east = -180, north = -90;
  const visit = (coords) => {
    if (typeof coords[0] === "number") {
      west = Math.min(west, coords[0]); east = Math.max(east, coords[0]);
      south = Math.min(south, coords[1]); north = Math.max(north, coords[1]);
    } else coords.forEach(visit);
  };
  const features = geojson.type === "FeatureCollection" ? geojson.features : [geojson];
  for (const feature of features) if (feature && feature.geometry) visit(feature.geometry.coordinates);
  return west <= east ? [[west, south], [east, north]] : null;
}

export function setGeoJson(map, id, data) {
  const source = map.getSource(id);
  if (source) source.setData(data);
  else map.addSource(id, { type: "geojson", data });
}

export function fitTo(map, geojson, padding = 24) {
  const bounds = boundsOf(geojson);
  if (bounds) map.fitBounds(bounds, { padding, duration: 0, maxZoom: 7 });
}

export function legend(title) {
  const list = document.createElement("ul");
  list.className = "legend";
  list.setAttribute("aria-label", title);
  for (const item of [...CLASSES, { label: "No score", range: "", color: NO_DATA }]) {
    const entry = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = item.color;
    swatch.setAttribute("aria-hidden", "true");
    entry.append(swatch, item.range ? `${item.label} (${item.range})` : item.label);
    list.append(entry);
  }
  return list;
}

export { maplibregl };
