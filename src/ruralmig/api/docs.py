"""A self-contained documentation page for the OpenAPI schema (no external scripts, styles or fonts)."""

from __future__ import annotations

import html

__all__ = ["docs_page"]

_SCRIPT = """
const render = (spec) => {
  const main = document.getElementById('routes');
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const section = document.createElement('section');
      const title = document.createElement('h2');
      const verb = document.createElement('span');
      verb.className = 'verb ' + method;
      verb.textContent = method.toUpperCase();
      title.append(verb, ' ', path);
      section.append(title);
      if (op.summary || op.description) {
        const text = document.createElement('p');
        text.textContent = op.description || op.summary;
        section.append(text);
      }
      const params = op.parameters || [];
      if (params.length) {
        const list = document.createElement('ul');
        for (const p of params) {
          const entry = document.createElement('li');
          const schema = p.schema || {};
          const type = schema.type || (schema.anyOf || []).map((s) => s.type).filter(Boolean).join(' | ');
          entry.textContent = `${p.name} (${p.in}${p.required ? ', required' : ''}) ${type || ''}` +
            (schema.pattern ? ` pattern ${schema.pattern}` : '');
          list.append(entry);
        }
        section.append(list);
      }
      const codes = document.createElement('p');
      codes.className = 'codes';
      codes.textContent = 'responses: ' + Object.keys(op.responses || {}).join(', ');
      section.append(codes);
      main.append(section);
    }
  }
};
fetch('/api/openapi.json').then((r) => r.json()).then(render).catch((e) => {
  document.getElementById('routes').textContent = 'could not load the schema: ' + e;
});
"""

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
section { border-top: 1px solid #ddd; padding: .5rem 0; }
h2 { font-size: 1rem; font-family: ui-monospace, monospace; }
.verb { display: inline-block; min-width: 4.5rem; padding: .1rem .4rem; border-radius: .2rem; color: #fff; }
.get { background: #1d5fa8; } .post { background: #2a7d2e; } .delete { background: #a32020; }
.codes { color: #555; font-size: .9rem; }
"""


def docs_page(title: str) -> str:
    """The page at /api/docs: every route of /api/openapi.json with its parameters and responses."""
    name = html.escape(title)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>'
        f'<body><h1>{name}</h1><p>The machine-readable schema is at <a href="/api/openapi.json">'
        "/api/openapi.json</a>. Send your key as <code>Authorization: Bearer rmk_...</code>.</p>"
        f'<main id="routes"></main><script>{_SCRIPT}</script></body></html>'
    )
