// Overview: choropleth of the latest adverse-drivers index run, countries first, drill-down to admin 1.
import { route } from "../api-client.js";
import { classColorExpression, classOf, createMap, fitTo, legend, setGeoJson, whenLoaded } from "../map.js";
import { el, errorText, formatNumber, message, table } from "../ui.js";

let map = null;

export function unmount() {
  if (map) map.remove();
  map = null;
}

function latestPerUnit(scores) {
  const latest = new Map();
  for (const row of scores) {
    if (row.score === null || row.score === undefined) continue;
    const held = latest.get(row.unit);
    if (!held || row.period > held.period) latest.set(row.unit, row);
  }
  return [...latest.values()];
}

function countryScores(rows) {
  const byCountry = new Map();
  for (const row of rows) {
    if (!row.country) continue;
    const entry = byCountry.get(row.country) || { total: 0, count: 0 };
    entry.total += row.score;
    entry.count += 1;
    byCountry.set(row.country, entry);
  }
  return byCountry;
}

export async function mount(main) {
  let runs;
  try {
    runs = await route("GET /api/index/runs")();
  } catch (error) {
    main.replaceChildren(el("h1", {}, "Overview"), message(errorText(error), "error"));
    return;
  }
  if (!runs.length) {
    main.replaceChildren(el("h1", {}, "Overview"), message("No index run is stored yet: run `ruralmig demo` or an index job."));
    return;
  }
  const run = [...runs].sort((a, b) => (a.created_at < b.created_at ? 1 : -1))[0];
  const [scores, areas, countries] = await Promise.all([
    route("GET /api/index/runs/{run_id}/scores")({ run_id: run.run_id }),
    route("GET /api/areas")({ admin_level: 1, limit: 10000 }),
    route("GET /api/areas/geojson")({ admin_level: 0 }),
  ]);
  const areaById = new Map(areas.map((area) => [area.area_id, area]));
  const countryName = new Map(countries.features.map((f) => [f.properties.country_iso3, f.properties.name]));
  const rows = latestPerUnit(scores).map((row) => {
    const area = areaById.get(row.unit);
    return { ...row, name: area ? area.name : row.unit, country: area ? area.country_iso3 : null };
  });
  const byCountry = countryScores(rows);
  for (const feature of countries.features) {
    const entry = byCountry.get(feature.properties.country_iso3);
    feature.properties.score = entry ? entry.total / entry.count : null;
    feature.properties.cls = entry ? classOf(entry.total / entry.count) : null;
    feature.properties.scored = entry ? entry.count : 0;
  }

  const countrySelect = el(
    "select",
    { id: "overview-country" },
    el("option", { value: "" }, "All countries"),
    [...byCountry.keys()].sort().map((iso) => el("option", { value: iso }, `${countryName.get(iso) || iso} (${iso})`)),
  );
  const mapBox = el("div", { class: "map", id: "overview-map" });
  const tableBox = el("div", { id: "overview-table" });
  const status = el("p", { class: "visually-hidden", role: "status", id: "overview-status" });
  const scoredCount = rows.length;
  main.replaceChildren(
    el("h1", {}, "Adverse drivers of rural migration"),
    el(
      "p",
      {},
      `Index run ${run.run_id} (${run.definition_name || "definition"}, ${run.created_at.slice(0, 16)}): `,
      `${scoredCount} areas scored on 0–10, latest period per area. Countries show the mean of their areas' scores; `,
      "choose a country (map or list) to see its admin-1 areas. Rank interval: 5–95 % of the uncertainty analysis.",
    ),
    el(
      "div",
      { class: "grid" },
      el(
        "section",
        { class: "panel", "aria-labelledby": "overview-map-title" },
        el("h2", { id: "overview-map-title" }, "Map"),
        el("div", { class: "toolbar" }, el("label", { for: "overview-country" }, "Country"), countrySelect),
        mapBox,
        legend("Risk class of the score"),
        status,
      ),
      el("section", { class: "panel", "aria-labelledby": "overview-table-title" }, el("h2", { id: "overview-table-title" }, "Scores"), tableBox),
    ),
  );

  map = createMap(mapBox, { label: "Map of adverse-drivers scores" });
  await whenLoaded(map);
  setGeoJson(map, "countries", countries);
  map.addLayer({ id: "countries-fill", type: "fill", source: "countries", paint: { "fill-color": classColorExpression("cls"), "fill-opacity": 0.9 } });
  map.addLayer({ id: "countries-line", type: "line", source: "countries", paint: { "line-color": "#5c6773", "line-width": 0.6 } });
  const scoredCountries = { type: "FeatureCollection", features: countries.features.filter((f) => f.properties.scored > 0) };
  const emptyCollection = { type: "FeatureCollection", features: [] };
  setGeoJson(map, "admin1", emptyCollection);
  map.addLayer({ id: "admin1-fill", type: "fill", source: "admin1", paint: { "fill-color": classColorExpression("cls"), "fill-opacity": 0.95 } });
  map.addLayer({ id: "admin1-line", type: "line", source: "admin1", paint: { "line-color": "#2d3640", "line-width": 0.8 } });

  const columns = [
    { key: "name", label: "Area", format: (value, row) => `${value} (${row.unit})` },
    { key: "country", label: "Country", format: (value) => value || "–" },
    { key: "period", label: "Period", format: (value) => String(value).slice(0, 10) },
    { key: "score", label: "Score", numeric: true },
    {
      key: "score_low",
      label: "Score 5–95 %",
      numeric: true,
      format: (value, row) => (value === null || value === undefined ? "–" : `${formatNumber(value, 1)}–${formatNumber(row.score_high, 1)}`),
    },
    { key: "risk_class", label: "Class", format: (value) => value || "–" },
    { key: "score_rank", label: "Rank", numeric: true },
    {
      key: "rank_low",
      label: "Rank 5–95 %",
      numeric: true,
      format: (value, row) => (value === null || value === undefined ? "–" : `${formatNumber(value, 0)}–${formatNumber(row.rank_high, 0)}`),
    },
    { key: "reliability", label: "Reliability", numeric: true },
  ];

  async function show(country) {
    const chosen = rows
      .filter((row) => !country || row.country === country)
      .sort((a, b) => b.score - a.score);
    const title = country ? `${countryName.get(country) || country}: admin-1 areas` : "All scored areas";
    tableBox.replaceChildren(table(title, columns, chosen));
    if (country) {
      const shapes = await route("GET /api/areas/geojson")({ admin_level: 1, country });
      const byUnit = new Map(chosen.map((row) => [row.unit, row]));
      for (const feature of shapes.features) {
        const row = byUnit.get(feature.properties.area_id);
        feature.properties.score = row ? row.score : null;
        feature.properties.cls = row ? row.risk_class : null;
      }
      setGeoJson(map, "admin1", shapes);
      fitTo(map, shapes.features.length ? shapes : countries);
    } else {
      setGeoJson(map, "admin1", emptyCollection);
      fitTo(map, scoredCountries.features.length ? scoredCountries : countries);
    }
    status.textContent = `${title}: ${chosen.length} areas shown`;
  }

  countrySelect.addEventListener("change", () => show(countrySelect.value));
  map.on("click", (event) => {
    const hit = map.queryRenderedFeatures(event.point, { layers: ["countries-fill"] })[0];
    if (hit && hit.properties.scored > 0) {
      countrySelect.value = hit.properties.country_iso3;
      show(countrySelect.value);
    }
  });
  for (const layer of ["countries-fill", "admin1-fill"]) {
    map.on("mousemove", layer, () => (map.getCanvas().style.cursor = "pointer"));
    map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
  }
  const idle = new Promise((resolve) => map.once("idle", resolve));
  await show("");
  map.triggerRepaint();
  await idle;
  performance.mark("overview-map-idle");
  main.dataset.mapIdle = "true";
}
