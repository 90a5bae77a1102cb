// Runtime of the generated API client: the key (kept in sessionStorage, sent as a header, never in a URL),
// JSON requests, multipart uploads and server-sent events read through fetch (EventSource cannot send headers).

const KEY_NAME = "ruralmig.apiKey";

export function getKey() {
  return sessionStorage.getItem(KEY_NAME) || "";
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_NAME, key.trim());
  else sessionStorage.removeItem(KEY_NAME);
}

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(typeof detail === "string" ? detail : `HTTP ${status}`);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

function headers(extra = {}) {
  const key = getKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

function buildUrl(path, query) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  return url;
}

// One call of an operation: {method, path, pathParams, queryParams, bodyKind} come from the generated client.
export async function call(operation, params = {}) {
  let path = operation.path;
  const query = {};
  for (const [name, value] of Object.entries(params)) {
    if (operation.pathParams.includes(name)) path = path.replace(`{${name}}`, encodeURIComponent(value));
    else if (operation.queryParams.includes(name)) query[name] = value;
  }
  const init = { method: operation.method, headers: headers({ Accept: "application/json" }) };
  if (operation.bodyKind === "form" && params.form) init.body = params.form;
  else if (operation.bodyKind === "json" && params.body !== undefined) {
    init.body = JSON.stringify(params.body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(buildUrl(path, query), init);
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const detail = body && typeof body === "object" && "detail" in body ? body.detail : text || response.statusText;
    throw new ApiError(response.status, detail, body);
  }
  return body;
}

// Read a text/event-stream response and call onEvent(parsedData) for each `data:` message until it ends.
export async function stream(path, onEvent, { signal } = {}) {
  const response = await fetch(buildUrl(path), { headers: headers({ Accept: "text/event-stream" }), signal });
  if (!response.ok || !response.body) throw new ApiError(response.status, `event stream: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (data) {
        try {
          onEvent(JSON.parse(data));
        } catch {
          onEvent({ message: data });
        }
      }
    }
  }
}
