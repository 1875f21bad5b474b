"""Hostile input refused at the door, once for every operation of /api/v1 (and for the
query strings of the screens).

PostgreSQL refuses NUL in text and lone surrogates in UTF-8; SQLite stores both. Python's
JSON reader accepts NaN, Infinity and 1e400 (a float infinity). Checked here, before any
operation runs, each answers 422 naming the field, identically on both backends, so nothing
is stored on one database and refused (or a 500) on the other. An oversize body answers 413
in the same JSON error shape instead of Django's HTML page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/v1/"
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored on every backend, or None."""
    if "\x00" in text:
        return "Contains a NUL character."
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "Contains an unpaired surrogate (not valid Unicode)."
    return None


def problems(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, message) for every string that is not storable and every number that is not
    finite, anywhere in parsed JSON. Paths read like the error fields: readings[0].source."""
    if isinstance(value, str):
        message = text_problem(value)
        if message:
            yield path or "body", message
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path or "body", "Must be a finite number."
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            key_problem = text_problem(str(key))
            if key_problem:
                yield name.encode("utf-8", "backslashreplace").decode(), key_problem
            else:
                yield from problems(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from problems(item, f"{path}[{index}]")


def parsed_body(body: bytes) -> tuple[Any, bool]:
    """(data, clean): the body's JSON (None when it is not JSON, which the operation answers
    with 400), and True when `problems(data)` is certainly empty, known without walking it.

    A NUL or a lone surrogate can reach a JSON string only as a `\\u` escape, a NUL byte,
    or bytes that are not strict UTF-8 (the reader lets encoded surrogates through); a
    number is not finite only as NaN, Infinity or a float too large (1e400). A body with
    none of these holds no problem; any other is walked, as before."""
    infinite = False

    def number(text: str) -> float:
        nonlocal infinite
        value = float(text)
        infinite = infinite or not math.isfinite(value)
        return value

    def constant(name: str) -> float:  # NaN, Infinity, -Infinity: as the reader gives them
        nonlocal infinite
        infinite = True
        return float(name)

    try:
        data = json.loads(body, parse_float=number, parse_constant=constant)
    except ValueError:
        return None, True
    if infinite or b"\\u" in body or b"\x00" in body:
        return data, False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return data, False
    return data, True


def _error(status: int, code: str, message: str, fields: dict[str, str]) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, "fields": fields}, status=status)


def query_problems(request: HttpRequest) -> dict[str, str]:
    """Path and query-string values that no backend can compare or store, by name."""
    fields: dict[str, str] = {}
    path_problem = text_problem(request.path)
    if path_problem:
        fields["path"] = path_problem
    for name, values in request.GET.lists():
        for value in (name, *values):
            message = text_problem(value)
            if message:
                fields.setdefault(name.replace("\x00", "\\x00"), message)
    return fields


def input_error(request: HttpRequest) -> JsonResponse | None:
    """The 413/422 response for a request whose input cannot be stored, or None."""
    fields = query_problems(request)
    if request.method in BODY_METHODS:
        try:
            body = request.body
        except RequestDataTooBig:
            return _error(
                413, "too_large", "The request body is too large.", {"body": "Too large."}
            )
        if body:
            data, clean = parsed_body(body)
            if not clean:
                for name, message in problems(data):
                    fields.setdefault(name, message)
    if fields:
        return _error(422, "validation_error", "The request has invalid fields.", fields)
    return None


class ApiInputMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            refused = input_error(request)
            if refused is not None:
                return refused
        else:
            # Screens: forms already refuse NUL (Django's ProhibitNullCharactersValidator);
            # a search or filter in the query string would reach the database unchecked.
            fields = query_problems(request)
            if fields:
                names = ", ".join(sorted(fields))
                return HttpResponse(
                    f"Invalid characters in: {names}.", status=422, content_type="text/plain"
                )
        return self.get_response(request)
