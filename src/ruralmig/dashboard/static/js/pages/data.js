// Data: the workspace's tables, provenance of every ingest, and an upload form that shows the validation report.
import { route } from "../api-client.js";
import { el, errorText, formatNumber, message, table } from "../ui.js";

export function unmount() {}

const UPLOAD_TABLES = ["indicators", "areas", "observed_arrivals"];

export async function mount(main) {
  let tables, provenance;
  try {
    [tables, provenance] = await Promise.all([route("GET /api/tables")(), route("GET /api/provenance")()]);
  } catch (error) {
    main.replaceChildren(el("h1", {}, "Data"), message(errorText(error), "error"));
    return;
  }
  const tableSelect = el("select", { id: "upload-table", name: "table" }, UPLOAD_TABLES.map((t) => el("option", { value: t }, t)));
  const modeSelect = el("select", { id: "upload-mode", name: "mode" }, ["append", "upsert", "replace"].map((m) => el("option", { value: m }, m)));
  const fileInput = el("input", { id: "upload-file", name: "file", type: "file", required: true, accept: ".csv,.xlsx,.parquet,.geojson,.json" });
  const submit = el("button", { type: "submit" }, "Upload and validate");
  const report = el("div", { id: "upload-report", "aria-live": "polite" });
  const form = el(
    "form",
    { id: "upload-form", class: "toolbar" },
    el("div", { class: "field" }, el("label", { for: "upload-file" }, "File"), fileInput),
    el("div", { class: "field" }, el("label", { for: "upload-table" }, "Table"), tableSelect),
    el("div", { class: "field" }, el("label", { for: "upload-mode" }, "Mode"), modeSelect),
    submit,
  );
  const held = tables.filter((t) => t.rows > 0);
  main.replaceChildren(
    el("h1", {}, "Data in the workspace"),
    el("section", { class: "panel", "aria-labelledby": "data-tables-title" },
      el("h2", { id: "data-tables-title" }, "Tables"),
      el("p", {}, `${held.length} of ${tables.length} tables hold rows. Sensitive tables (survey microdata) are counted but have no endpoint.`),
      table("Tables and row counts", [
        { key: "table", label: "Table" },
        { key: "family", label: "Family", format: (v) => v || "–" },
        { key: "rows", label: "Rows", numeric: true },
        { key: "sensitive", label: "Sensitive", format: (v) => (v ? "yes" : "no") },
        { key: "description", label: "Description", format: (v) => v || "" },
      ], tables)),
    el("section", { class: "panel", "aria-labelledby": "data-prov-title" },
      el("h2", { id: "data-prov-title" }, "Provenance"),
      table("Every ingest, newest first", provenanceColumns(provenance), provenance)),
    el("section", { class: "panel", "aria-labelledby": "data-upload-title" },
      el("h2", { id: "data-upload-title" }, "Upload"),
      el("p", {}, "Needs an analyst key. A file with any problem is refused whole; every problem is listed below."),
      form, report),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!fileInput.files.length) return;
    const body = new FormData();
    body.append("file", fileInput.files[0]);
    body.append("table", tableSelect.value);
    body.append("mode", modeSelect.value);
    submit.disabled = true;
    report.replaceChildren(message("Uploading and validating…"));
    try {
      const result = await route("POST /api/uploads")({ form: body });
      report.replaceChildren(message(`Loaded ${formatNumber(result.rows)} rows into ${result.table} (ingest ${result.ingest_id}).`, "notice ok"));
    } catch (error) {
      if (error.status === 422 && error.body && Array.isArray(error.body.issues)) {
        const issues = error.body.issues;
        report.replaceChildren(
          message(`${formatNumber(error.body.total ?? issues.length)} problem(s) found; nothing was written.`, "error"),
          table("Validation report", [
            { key: "file", label: "File", format: (v) => v || "" },
            { key: "row", label: "Row", numeric: true, format: (v) => (v === null || v === undefined ? "" : String(v)) },
            { key: "column", label: "Column", format: (v) => v || "" },
            { key: "value", label: "Value", format: (v) => (v === null || v === undefined ? "" : String(v)) },
            { key: "reason", label: "Reason", format: (v) => v || "" },
          ], issues),
        );
      } else {
        report.replaceChildren(message(errorText(error), "error"));
      }
    } finally {
      submit.disabled = false;
    }
  });
}

function provenanceColumns(rows) {
  const preferred = ["file", "table", "rows", "sha256", "started_at", "finished_at", "mode", "version"];
  const present = rows.length ? Object.keys(rows[0]) : preferred;
  const keys = [...preferred.filter((k) => present.includes(k)), ...present.filter((k) => !preferred.includes(k)).slice(0, 3)];
  return keys.map((key) => ({
    key,
    label: key.replace(/_/g, " "),
    numeric: key === "rows",
    format: formatterOf(key),
  }));
}

function formatterOf(key) {
  if (key === "rows") return undefined;
  if (key === "sha256") return (v) => (v ? `${String(v).slice(0, 12)}…` : "");
  if (key.endsWith("_at")) return (v) => (v ? String(v).slice(0, 19).replace("T", " ") : "");
  return (v) => (v === null || v === undefined ? "" : String(v));
}
