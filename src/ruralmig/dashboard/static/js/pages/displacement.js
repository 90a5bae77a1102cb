// Displacement: the network on the map with arrivals per day, simulated against observed, ensemble band,
// host-area pressure, and a form that launches a simulation job and follows its progress.
import { route } from "../api-client.js";
import { stream } from "../http.js";
import { createMap, fitTo, setGeoJson, whenLoaded } from "../map.js";
import { PLOT_CONFIG, el, errorText, formatNumber, loadPlotly, message, table } from "../ui.js";

let map = null;
let aborter = null;

export function unmount() {
  if (aborter) aborter.abort();
  if (map) map.remove();
  map = null;
}

function field(id, label, control) {
  control.id = id;
  return el("div", { class: "field" }, el("label", { for: id }, label), control);
}

export async function mount(main) {
  let networks, runs;
  try {
    [networks, runs] = await Promise.all([route("GET /api/displacement/networks")(), route("GET /api/displacement/runs")()]);
  } catch (error) {
    main.replaceChildren(el("h1", {}, "Displacement"), message(errorText(error), "error"));
    return;
  }
  if (!networks.length) {
    main.replaceChildren(el("h1", {}, "Displacement"), message("No displacement network is stored: run `ruralmig demo`."));
    return;
  }
  const networkSelect = el("select", {}, networks.map((n) => el("option", { value: n.network_id }, `${n.network_id} (${n.locations} locations)`)));
  const runSelect = el("select", {});
  const daySlider = el("input", { type: "range", min: "0", max: "0", step: "1", value: "0" });
  const dayText = el("output", { for: "displacement-day", id: "displacement-day-text" }, "");
  const campSelect = el("select", {});
  const mapBox = el("div", { class: "map", id: "displacement-map" });
  const chartBox = el("div", { class: "chart", id: "displacement-chart", role: "img", "aria-label": "Simulated and observed arrivals" });
  const pressureBox = el("div", { id: "displacement-pressure" });
  const summary = el("p", { id: "displacement-summary", role: "status" });
  const seedInput = el("input", { type: "number", min: "0", step: "1", value: "2", required: true });
  const daysInput = el("input", { type: "number", min: "1", step: "1", placeholder: "case length" });
  const replicasInput = el("input", { type: "number", min: "1", max: "50", step: "1", value: "1", required: true });
  const launch = el("button", { type: "submit", id: "displacement-launch" }, "Run simulation");
  const progress = el("progress", { max: "1", value: "0", id: "displacement-progress", "aria-label": "Job progress" });
  const jobStatus = el("p", { id: "displacement-job-status", role: "status", "aria-live": "polite" }, "No job launched yet.");
  const form = el(
    "form",
    { id: "displacement-form", class: "toolbar" },
    field("displacement-seed", "Seed", seedInput),
    field("displacement-days", "Days (optional)", daysInput),
    field("displacement-replicas", "Replicas (more than 1: an ensemble with its band)", replicasInput),
    launch,
  );

  main.replaceChildren(
    el("h1", {}, "Displacement forecasts"),
    el(
      "div",
      { class: "toolbar" },
      field("displacement-network", "Network", networkSelect),
      field("displacement-run", "Run", runSelect),
      el("div", { class: "field" }, el("label", { for: "displacement-day" }, "Day"), daySlider, dayText),
    ),
    summary,
    el(
      "div",
      { class: "grid" },
      el("section", { class: "panel", "aria-labelledby": "d-map-title" }, el("h2", { id: "d-map-title" }, "Network and agents on the chosen day"), mapBox,
        el("p", {}, "Circles: locations (area ∝ agents present; red = camps with observed data, blue = conflict zones and towns). Lines: routes.")),
      el(
        "section",
        { class: "panel", "aria-labelledby": "d-chart-title" },
        el("h2", { id: "d-chart-title" }, "Simulated against observed"),
        field("displacement-camp", "Camp", campSelect),
        chartBox,
      ),
    ),
    el("section", { class: "panel", "aria-labelledby": "d-pressure-title" }, el("h2", { id: "d-pressure-title" }, "Host-area pressure on the chosen day"), pressureBox),
    el(
      "section",
      { class: "panel", "aria-labelledby": "d-job-title" },
      el("h2", { id: "d-job-title" }, "Run a simulation"),
      el("p", {}, "Needs an analyst key. The job stores a new run (or an ensemble: its median with the 5–95 % band of the replicas); its progress is streamed here."),
      form,
      progress,
      jobStatus,
    ),
  );
  daySlider.id = "displacement-day";

  map = createMap(mapBox, { label: "Map of the displacement network" });
  const [countries] = await Promise.all([route("GET /api/areas/geojson")({ admin_level: 0 }), whenLoaded(map)]);
  setGeoJson(map, "countries", countries);
  map.addLayer({ id: "countries-fill", type: "fill", source: "countries", paint: { "fill-color": "#f4f1ea" } });
  map.addLayer({ id: "countries-line", type: "line", source: "countries", paint: { "line-color": "#8a939e", "line-width": 0.7 } });
  const empty = { type: "FeatureCollection", features: [] };
  setGeoJson(map, "routes", empty);
  setGeoJson(map, "locations", empty);
  map.addLayer({ id: "routes", type: "line", source: "routes", paint: { "line-color": "#596575", "line-width": 1.2 } });
  map.addLayer({
    id: "locations",
    type: "circle",
    source: "locations",
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "agents"]], 0, 3, 300, 24],
      "circle-color": ["case", ["get", "camp"], "#c0392b", "#1f5fa8"],
      "circle-opacity": 0.8,
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1,
    },
  });

  let network = null;
  let arrivals = [];
  let pressure = [];
  let dates = [];
  let band = null;

  function drawDay() {
    const day = Number(daySlider.value);
    dayText.textContent = dates[day] ? ` day ${day}, ${dates[day]}` : ` day ${day}`;
    daySlider.setAttribute("aria-valuetext", dayText.textContent.trim());
    const today = new Map(arrivals.filter((row) => row.day === day).map((row) => [row.location, row]));
    const features = network.locations
      .filter((loc) => loc.lat !== null && loc.lon !== null)
      .map((loc) => {
        const row = today.get(loc.name);
        return {
          type: "Feature",
          geometry: { type: "Point", coordinates: [loc.lon, loc.lat] },
          properties: { name: loc.name, kind: loc.kind, agents: row ? row.agents : 0, camp: loc.kind === "camp" },
        };
      });
    setGeoJson(map, "locations", { type: "FeatureCollection", features });
    const rows = pressure.filter((row) => row.day === day).sort((a, b) => (b.ratio || 0) - (a.ratio || 0));
    pressureBox.replaceChildren(
      rows.length
        ? table(`Host-area pressure, ${dates[day] || `day ${day}`}`, [
            { key: "area_id", label: "Area", format: (v) => v || "–" },
            { key: "arrivals", label: "Arrivals", numeric: true },
            { key: "host_population", label: "Host population", numeric: true },
            { key: "ratio", label: "Arrivals per host resident", numeric: true, format: (v) => formatNumber(v, 4) },
            { key: "food_kcal", label: "Food need (kcal/day)", numeric: true, format: (v) => formatNumber(v, 0) },
            { key: "water_litres", label: "Water need (litres/day)", numeric: true, format: (v) => formatNumber(v, 0) },
          ], rows)
        : message("No host-area pressure for this day (locations without a host area)."),
    );
  }

  async function drawChart() {
    const Plotly = await loadPlotly();
    const camp = campSelect.value;
    const rows = arrivals.filter((row) => row.location === camp).sort((a, b) => a.day - b.day);
    const traces = [];
    if (band && band.has(camp)) {
      const { low, high, label } = band.get(camp);
      traces.push({ x: dates, y: high, mode: "lines", line: { width: 0 }, name: `${label} (upper)`, hoverinfo: "skip", showlegend: false });
      traces.push({ x: dates, y: low, mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(31,95,168,0.18)", name: label });
    }
    traces.push({ x: rows.map((r) => r.date), y: rows.map((r) => r.agents), mode: "lines", name: "simulated", line: { color: "#1f5fa8", width: 2 } });
    const observed = rows.filter((r) => r.observed !== null && r.observed !== undefined);
    traces.push({ x: observed.map((r) => r.date), y: observed.map((r) => r.observed), mode: "lines", name: "observed (UNHCR)", line: { color: "#c0392b", dash: "dot", width: 2 } });
    const layout = {
      margin: { l: 60, r: 10, t: 30, b: 40 },
      title: { text: `${camp}: people present`, font: { size: 14 } },
      legend: { orientation: "h", y: -0.2 },
      yaxis: { title: { text: "people" }, rangemode: "tozero" },
      height: 340,
    };
    await Plotly.react(chartBox, traces, layout, PLOT_CONFIG);
  }

  function storedBand() {
    // An ensemble run carries its own 5-95 % band of the replicas.
    const banded = arrivals.filter((r) => r.agents_low !== null && r.agents_low !== undefined);
    if (!banded.length) return null;
    const result = new Map();
    for (const row of banded) {
      if (!result.has(row.location)) {
        result.set(row.location, { low: new Array(dates.length).fill(null), high: new Array(dates.length).fill(null), label: "5–95 % of the ensemble" });
      }
      const entry = result.get(row.location);
      entry.low[row.day] = row.agents_low;
      entry.high[row.day] = row.agents_high;
    }
    return result;
  }

  async function computeBand(runId) {
    const stored = storedBand();
    if (stored) return stored;
    const chosen = runs.find((r) => r.run_id === runId);
    const siblings = runs.filter((r) => r.network_id === chosen.network_id && r.days === chosen.days).slice(0, 10);
    if (siblings.length < 3) return null;
    const all = await Promise.all(siblings.map((r) => route("GET /api/displacement/runs/{run_id}/arrivals")({ run_id: r.run_id })));
    const result = new Map();
    for (const camp of new Set(arrivals.filter((r) => r.observed !== null && r.observed !== undefined).map((r) => r.location))) {
      const low = new Array(dates.length).fill(Infinity);
      const high = new Array(dates.length).fill(-Infinity);
      for (const rowsOfRun of all) {
        for (const row of rowsOfRun) {
          if (row.location !== camp) continue;
          low[row.day] = Math.min(low[row.day], row.agents);
          high[row.day] = Math.max(high[row.day], row.agents);
        }
      }
      result.set(camp, { low, high, label: `range of ${siblings.length} stored runs` });
    }
    return result;
  }

  async function loadRun(runId) {
    summary.textContent = `Loading run ${runId}…`;
    [arrivals, pressure] = await Promise.all([
      route("GET /api/displacement/runs/{run_id}/arrivals")({ run_id: runId }),
      route("GET /api/displacement/runs/{run_id}/pressure")({ run_id: runId }).catch(() => []),
    ]);
    const days = Math.max(0, ...arrivals.map((r) => r.day));
    dates = new Array(days + 1).fill("");
    for (const row of arrivals) dates[row.day] = String(row.date).slice(0, 10);
    daySlider.max = String(days);
    daySlider.value = String(days);
    const camps = [...new Set(arrivals.filter((r) => r.observed !== null && r.observed !== undefined).map((r) => r.location))];
    const lastDay = new Map(arrivals.filter((r) => r.day === days).map((r) => [r.location, r.agents]));
    camps.sort((a, b) => (lastDay.get(b) || 0) - (lastDay.get(a) || 0));
    campSelect.replaceChildren(...camps.map((c) => el("option", { value: c }, c)));
    const run = runs.find((r) => r.run_id === runId);
    const what = run.kind === "ensemble" ? "ensemble median" : `seed ${run.seed}`;
    summary.textContent = `Run ${runId}: ${what}, ${run.days} days, ARD ${formatNumber(run.ard, 3)} against the observed camp counts; ${camps.length} camps with observed data.`;
    band = await computeBand(runId);
    drawDay();
    await drawChart();
  }

  function fillRuns(selected) {
    const chosen = runs.filter((r) => r.network_id === networkSelect.value).sort((a, b) => (a.created_at < b.created_at ? -1 : 1));
    const label = (r) => (r.kind === "ensemble" ? `${r.run_id} (ensemble median, seed ${r.seed})` : `${r.run_id} (seed ${r.seed})`);
    runSelect.replaceChildren(...chosen.map((r) => el("option", { value: r.run_id }, label(r))));
    const ensemble = chosen.filter((r) => r.kind === "ensemble").pop();
    if (selected) runSelect.value = selected;
    else if (ensemble) runSelect.value = ensemble.run_id; // the band is the first thing to see
    return chosen;
  }

  async function loadNetwork() {
    network = await route("GET /api/displacement/networks/{network_id}")({ network_id: networkSelect.value });
    const position = new Map(network.locations.map((loc) => [loc.name, [loc.lon, loc.lat]]));
    const lines = network.routes
      .filter((r) => position.has(r.from) && position.has(r.to))
      .map((r) => ({ type: "Feature", geometry: { type: "LineString", coordinates: [position.get(r.from), position.get(r.to)] }, properties: { distance: r.distance } }));
    setGeoJson(map, "routes", { type: "FeatureCollection", features: lines });
    const points = { type: "FeatureCollection", features: network.locations.filter((l) => l.lat !== null).map((l) => ({ type: "Feature", geometry: { type: "Point", coordinates: [l.lon, l.lat] }, properties: {} })) };
    fitTo(map, points, 30);
    const chosen = fillRuns();
    if (chosen.length) await loadRun(runSelect.value);
    else summary.textContent = "No stored run for this network yet: launch one below.";
  }

  networkSelect.addEventListener("change", loadNetwork);
  runSelect.addEventListener("change", () => loadRun(runSelect.value));
  daySlider.addEventListener("input", drawDay);
  campSelect.addEventListener("change", drawChart);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    launch.disabled = true;
    progress.value = 0;
    const parameters = { network_id: networkSelect.value, seed: Number(seedInput.value) };
    if (daysInput.value) parameters.days = Number(daysInput.value);
    const replicas = Number(replicasInput.value || 1);
    const kind = replicas > 1 ? "ensemble" : "displacement";
    if (replicas > 1) parameters.replicas = replicas;
    try {
      const job = await route("POST /api/jobs")({ body: { kind, parameters } });
      jobStatus.textContent = `Job ${job.job_id} ${job.status}…`;
      main.dataset.jobId = job.job_id;
      let last = { status: job.status };
      aborter = new AbortController();
      await stream(`/api/jobs/${encodeURIComponent(job.job_id)}/events`, (data) => {
        last = data;
        if (typeof data.progress === "number") progress.value = data.progress;
        jobStatus.textContent = `Job ${job.job_id}: ${data.status || ""} ${Math.round((data.progress || 0) * 100)} % ${data.message || ""}`.trim();
        if (data.progress > 0 && data.progress < 1) main.dataset.jobProgressSeen = "true";
      }, { signal: aborter.signal });
      if (last.status === "done" && last.run_id) {
        runs = await route("GET /api/displacement/runs")();
        fillRuns(last.run_id);
        await loadRun(last.run_id);
        jobStatus.textContent = `Job ${job.job_id} done: run ${last.run_id} stored and shown above.`;
        main.dataset.jobDone = last.run_id;
      } else {
        jobStatus.textContent = `Job ${job.job_id} ended: ${last.status || "unknown"} ${last.message || ""}`.trim();
      }
    } catch (error) {
      if (error.name !== "AbortError") jobStatus.textContent = errorText(error);
    } finally {
      launch.disabled = false;
    }
  });

  await loadNetwork();
}
