"""A human-readable page rendered from a simulator's own OpenAPI document.

FastAPI's Swagger page loads its scripts from a CDN; this page has no external assets,
so it works on a machine without internet access.
"""

from __future__ import annotations

from html import escape
from typing import Any

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2rem}
code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.25rem .5rem;
text-align:left;vertical-align:top} th{background:#f0f0f0} .method{font-weight:bold;color:#fff;
background:#3b6;padding:.1rem .4rem;border-radius:3px} .post{background:#36b} small{color:#666}
"""


def _resolve(schema: dict, document: dict) -> dict:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node: Any = document
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _type(schema: dict, document: dict) -> str:
    schema = _resolve(schema, document)
    if "anyOf" in schema:
        return " or ".join(_type(s, document) for s in schema["anyOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"array of {_type(schema.get('items', {}), document)}"
    if "enum" in schema:
        return f"{kind}: {', '.join(str(v) for v in schema['enum'])}"
    return kind + (f" ({schema['format']})" if "format" in schema else "")


def _fields_table(schema: dict, document: dict, depth: int = 0) -> str:
    schema = _resolve(schema, document)
    if schema.get("type") == "array":
        return _fields_table(schema.get("items", {}), document, depth)
    properties = schema.get("properties")
    if not properties or depth > 2:
        return ""
    required = set(schema.get("required", []))
    rows = []
    for name, field in properties.items():
        field = _resolve(field, document)
        nested = _fields_table(field, document, depth + 1)
        rows.append(
            f"<tr><td><code>{escape(name)}</code>{'' if name in required else ' <small>optional</small>'}"
            f"</td><td>{escape(_type(field, document))}</td>"
            f"<td>{escape(field.get('description', ''))}{nested}</td></tr>"
        )
    return "<table><tr><th>field</th><th>type</th><th>meaning</th></tr>" + "".join(rows) + "</table>"


def render_docs(document: dict) -> str:
    info = document.get("info", {})
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(info.get('title', ''))}"
        f"</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', ''))}</h1><p>{escape(info.get('description', ''))}</p>",
        "<p>Machine-readable contract: <a href='/openapi.json'>/openapi.json</a></p>",
    ]
    schemes = document.get("components", {}).get("securitySchemes", {})
    if schemes:
        parts.append("<h2>Authentication</h2><ul>")
        for name, scheme in schemes.items():
            where = scheme.get("name") or scheme.get("scheme") or ""
            parts.append(
                f"<li><b>{escape(name)}</b> ({escape(scheme.get('type', ''))} {escape(where)}): "
                f"{escape(scheme.get('description', ''))}</li>"
            )
        parts.append("</ul>")
    for path, operations in document.get("paths", {}).items():
        for method, op in operations.items():
            heading = (
                f"<span class='method {escape(method)}'>{method.upper()}</span> <code>{escape(path)}</code>"
            )
            summary, description = escape(op.get("summary", "")), escape(op.get("description", ""))
            parts.append(f"<h2>{heading}</h2><p><b>{summary}</b></p><p>{description}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>meaning</th></tr>")
                for p in params:
                    optional = "" if p.get("required") else " <small>optional</small>"
                    kind = escape(_type(p.get("schema", {}), document))
                    parts.append(
                        f"<tr><td><code>{escape(p['name'])}</code>{optional}</td>"
                        f"<td>{escape(p.get('in', ''))}</td><td>{kind}</td>"
                        f"<td>{escape(p.get('description', ''))}</td></tr>"
                    )
                parts.append("</table>")
            body = op.get("requestBody", {}).get("content", {})
            for media, content in body.items():
                parts.append(f"<p>Request body (<code>{escape(media)}</code>):</p>")
                parts.append(_fields_table(content.get("schema", {}), document))
            parts.append("<table><tr><th>status</th><th>meaning</th></tr>")
            for status, response in op.get("responses", {}).items():
                media = ", ".join(response.get("content", {}))
                headers = "".join(
                    f"<br>header <code>{escape(name)}</code>: {escape(header.get('description', ''))}"
                    for name, header in response.get("headers", {}).items()
                )
                parts.append(
                    f"<tr><td>{escape(status)}</td><td>{escape(response.get('description', ''))}"
                    f"{f' <small>({escape(media)})</small>' if media else ''}{headers}</td></tr>"
                )
            parts.append("</table>")
            ok = op.get("responses", {}).get("200", {}).get("content", {}).get("application/json")
            if ok:
                parts.append("<p>Response fields (200):</p>" + _fields_table(ok.get("schema", {}), document))
    parts.append("</body></html>")
    return "".join(parts)
