// Small DOM helpers shared by the pages.

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatNumber(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (typeof value !== "number") return String(value);
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toLocaleString("en", { maximumFractionDigits: digits });
}

// columns: [{key, label, numeric?, format?(value,row) -> string|Node}]
export function table(caption, columns, rows, { rowAttributes } = {}) {
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.numeric ? "num" : "" }, c.label)));
  const body = rows.map((row) =>
    el(
      "tr",
      rowAttributes ? rowAttributes(row) : {},
      columns.map((c) => {
        const value = c.format ? c.format(row[c.key], row) : formatNumber(row[c.key]);
        return el("td", { class: c.numeric ? "num" : "" }, value);
      }),
    ),
  );
  return el(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    el("table", {}, el("caption", {}, caption), el("thead", {}, head), el("tbody", {}, body)),
  );
}

export function message(text, kind = "notice") {
  return el("p", { class: kind, role: kind === "error" ? "alert" : "status" }, text);
}

export function errorText(error) {
  if (error && error.status === 401) return "This page needs an API key: enter a key above (the demo prints a viewer key).";
  if (error && error.status === 403) return "Your key's role may not do this (ask an admin for an analyst key).";
  return `Could not load: ${error && error.message ? error.message : error}`;
}

let plotlyLoading = null;

// Plotly is large (4.8 MB): load it only on the pages that draw charts.
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = el("script", { src: "vendor/plotly/plotly.min.js" });
      script.addEventListener("load", () => resolve(window.Plotly));
      script.addEventListener("error", () => reject(new Error("vendor/plotly/plotly.min.js did not load")));
      document.head.append(script);
    });
  }
  return plotlyLoading;
}

export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"] };
