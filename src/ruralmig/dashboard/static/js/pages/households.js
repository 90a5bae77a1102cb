// Households: survey indicator estimates with their precision; suppressed cells are marked in text, not colour.
import { route } from "../api-client.js";
import { PLOT_CONFIG, el, errorText, formatNumber, loadPlotly, message, table } from "../ui.js";

export function unmount() {}

function suppressed(row) {
  return row.flag === "suppressed";
}

function missing(row) {
  return suppressed(row) || row.estimate === null || row.estimate === undefined;
}

function estimateCell(value, row) {
  if (suppressed(row)) return el("span", { class: "suppressed", title: "Suppressed by disclosure control" }, "suppressed");
  return formatNumber(value, 3);
}

export async function mount(main) {
  let runs;
  try {
    runs = await route("GET /api/survey/runs")();
  } catch (error) {
    main.replaceChildren(el("h1", {}, "Households"), message(errorText(error), "error"));
    return;
  }
  if (!runs.length) {
    main.replaceChildren(el("h1", {}, "Households"), message("No survey estimates are stored yet (the demo stores them when its survey data ship)."));
    return;
  }
  runs.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  const runSelect = el("select", { id: "households-run" }, runs.map((r) => el("option", { value: r.run_id }, `${r.survey_id} · ${r.run_id}`)));
  const indicatorSelect = el("select", { id: "households-indicator" });
  const about = el("p", { id: "households-about" });
  const chartBox = el("div", { class: "chart", id: "households-chart", role: "img", "aria-label": "Estimates with 95 % intervals" });
  const tableBox = el("div", { id: "households-table" });
  main.replaceChildren(
    el("h1", {}, "Household-survey indicators"),
    el(
      "div",
      { class: "toolbar" },
      el("div", { class: "field" }, el("label", { for: "households-run" }, "Survey run"), runSelect),
      el("div", { class: "field" }, el("label", { for: "households-indicator" }, "Indicator"), indicatorSelect),
    ),
    about,
    el("p", {}, "Estimates are design-based (weights, strata, clusters). Cells that fail disclosure control are shown as ",
      el("span", { class: "suppressed" }, "suppressed"), " and have no value."),
    el(
      "div",
      { class: "grid" },
      el("section", { class: "panel", "aria-labelledby": "h-chart-title" }, el("h2", { id: "h-chart-title" }, "Chart"), chartBox),
      el("section", { class: "panel", "aria-labelledby": "h-table-title" }, el("h2", { id: "h-table-title" }, "Estimates"), tableBox),
    ),
  );

  let estimates = [];
  async function draw() {
    const indicator = indicatorSelect.value;
    const rows = estimates.filter((r) => r.indicator === indicator);
    const hidden = rows.filter(suppressed).length;
    tableBox.replaceChildren(
      table(`${indicator}: ${rows.length} cells, ${hidden} suppressed`, [
        { key: "domain", label: "Domain", format: (v, r) => (v && v !== "all" ? `${v} = ${r.domain_value}` : "all") },
        { key: "statistic", label: "Statistic", format: (v) => v || "–" },
        { key: "estimate", label: "Estimate", numeric: true, format: estimateCell },
        { key: "se", label: "SE", numeric: true, format: (v, r) => (missing(r) ? "–" : formatNumber(v, 4)) },
        { key: "ci_low", label: "95 % CI", numeric: true, format: (v, r) => (missing(r) ? "–" : `${formatNumber(v, 3)}–${formatNumber(r.ci_high, 3)}`) },
        { key: "deff", label: "Deff", numeric: true },
        { key: "n", label: "n", numeric: true },
        { key: "cv", label: "CV", numeric: true, format: (v, r) => (missing(r) ? "–" : formatNumber(v, 3)) },
        { key: "flag", label: "Flag", format: (v) => v || "" },
      ], rows),
    );
    const Plotly = await loadPlotly();
    const shown = rows.filter((r) => !missing(r));
    const labels = shown.map((r) => (r.domain && r.domain !== "all" ? `${r.domain}: ${r.domain_value}` : "all"));
    await Plotly.react(
      chartBox,
      [{
        type: "bar",
        x: labels,
        y: shown.map((r) => r.estimate),
        error_y: { type: "data", symmetric: false, array: shown.map((r) => r.ci_high - r.estimate), arrayminus: shown.map((r) => r.estimate - r.ci_low) },
        marker: { color: "#1f5fa8" },
        name: indicator,
      }],
      {
        margin: { l: 60, r: 10, t: 30, b: 80 },
        title: { text: `${indicator}${hidden ? ` (${hidden} suppressed cells not drawn)` : ""}`, font: { size: 14 } },
        yaxis: { title: { text: rows[0] && rows[0].unit ? rows[0].unit : "estimate" } },
        height: 340,
      },
      PLOT_CONFIG,
    );
  }

  async function loadRun() {
    const run = runs.find((r) => r.run_id === runSelect.value);
    estimates = await route("GET /api/survey/runs/{run_id}/estimates")({ run_id: run.run_id });
    const indicators = [...new Set(estimates.map((r) => r.indicator))].sort();
    indicatorSelect.replaceChildren(...indicators.map((name) => el("option", { value: name }, name)));
    const design = typeof run.design === "string" ? run.design : JSON.stringify(run.design || {});
    about.textContent = `Survey ${run.survey_id}, run ${run.run_id} (${String(run.created_at).slice(0, 16)}); ${indicators.length} indicators; design: ${design}`;
    if (indicators.length) await draw();
  }

  runSelect.addEventListener("change", loadRun);
  indicatorSelect.addEventListener("change", draw);
  await loadRun();
}
