"""The project's own 404 and 500 pages under DEBUG too (a developer's `runserver`; the demo
itself runs with DEBUG off).

Django answers an unknown page or an exception under DEBUG with its technical pages, which
show settings and code to whoever is using the demo. With PROJECT_ERROR_PAGES on (the default)
this middleware swaps those HTML answers for what the URLconf's handler404/handler500 give
(the project's 404.html and 500.html; the JSON error shape under /api/v1), as a production
server answers; the exception still reaches the console log. The 403 page is the project's
in every mode already.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import get_resolver


class ProjectErrorPagesMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not (settings.DEBUG and getattr(settings, "PROJECT_ERROR_PAGES", True)):
            return response
        if response.status_code not in (404, 500):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if getattr(response, "project_error_page", False):
            return response
        handler = get_resolver().resolve_error_handler(response.status_code)
        page = handler(request, None) if response.status_code == 404 else handler(request)
        page.project_error_page = True
        return page
