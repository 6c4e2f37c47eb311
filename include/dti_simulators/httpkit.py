"""What the five simulator apps share: JSON errors, fast JSON bodies, the OpenAPI fix-ups
that make each document describe exactly what the server answers, and the /docs page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from dti_simulators.docs_page import render_docs

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


class ApiError(Exception):
    """An answer with a 4xx/5xx status and the contracts' JSON error body."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


T = TypeVar("T")


def query_window(
    names: tuple[str, str],
    values: tuple[T | None, T | None],
    parse: Callable[[T], datetime],
    *,
    error: str,
    expected: str,
) -> tuple[datetime | None, datetime | None] | None:
    """A half-open window from two optional query parameters; None when neither is given.

    A side not given stays open. A value `parse` rejects (ValueError) or an empty window is
    a 400 with the simulator's own error code.
    """
    if values == (None, None):
        return None
    bounds = []
    for name, value in zip(names, values, strict=True):
        try:
            bounds.append(None if value is None else parse(value))
        except ValueError:
            raise ApiError(400, error, f"{name} must be {expected}, got {value!r}") from None
    start, end = bounds
    if start is not None and end is not None and end <= start:
        raise ApiError(400, error, f"{names[1]} must be after {names[0]}")
    return start, end


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(status_code=status, content={"error": code, "message": message}, headers=headers)


def json_bytes(body: Any) -> bytes:
    """UTF-8 JSON; lone surrogates (from bad `invalid_utf8` records) become the raw bytes."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogateescape")


def json_response(body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json_bytes(body), media_type="application/json", headers=headers)


def object_schema(fields: dict[str, dict], required: list[str] | None = None) -> dict:
    """A JSON schema of a record: `fields` maps names to schemas; all required unless said."""
    return {
        "type": "object",
        "required": list(fields) if required is None else required,
        "properties": fields,
    }


def json_content(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def new_app(
    title: str,
    description: str,
    *,
    auth_errors: dict[int, str | dict] | None = None,
    extra_errors: dict[int, str | dict] | None = None,
) -> FastAPI:
    """A FastAPI app with the contracts' error shape, a corrected OpenAPI and a local /docs page.

    auth_errors: what 401 and 403 mean on this server's data operations (their error codes).
    extra_errors: statuses every data operation may answer besides 400/401/403 (e.g. 429).
    Each value is a description, or a response object (description, headers) that gets the
    error body.
    """
    app = FastAPI(title=title, version="1.0", description=description, docs_url=None, redoc_url=None)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors()
        )
        return error_response(400, "invalid_parameter", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = _fix_openapi(document, auth_errors or {}, extra_errors or {})
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    return app


def _error(response: str | dict) -> dict:
    """An error response of the OpenAPI document from a description or a response object."""
    response = {"description": response} if isinstance(response, str) else response
    return {**response, "content": ERROR_CONTENT}


def _fix_openapi(
    document: dict, auth_errors: dict[int, str | dict], extra_errors: dict[int, str | dict]
) -> dict:
    """Describe what the server really answers: 400 (not FastAPI's 422) and the auth errors.

    FastAPI lists each security dependency as a requirement of its own (any one would do);
    every dependency must pass, so an operation's schemes become one requirement (all at once).
    """
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Error"] = ERROR_SCHEMA
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.setdefault("400", {"description": "Invalid parameters", "content": ERROR_CONTENT})
            security = operation.get("security")
            if security:
                operation["security"] = [{name: scopes for need in security for name, scopes in need.items()}]
                errors = {401: "Missing credentials", 403: "Wrong credentials", **auth_errors, **extra_errors}
                for status, response in errors.items():
                    responses.setdefault(str(status), _error(response))
    return document
