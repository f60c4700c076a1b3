"""Request ids, the health probe, and headers Django does not set itself."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mesotrace.core.http import body_problem, request_id_for
from mesotrace.core.views import healthz, refuse_body


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = request_id_for(request)  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


class PermissionsPolicyMiddleware:
    """Turns off browser features a clinic page never needs."""

    POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.POLICY)
        return response


class HealthCheckMiddleware:
    """Answers /healthz before the host check (settings exempt it from the HTTPS redirect).

    A load balancer or an orchestrator probes each server over plain HTTP by its address,
    which production would otherwise refuse as an unknown host.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz" and request.method in {"GET", "HEAD"}:
            return healthz(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """Every answer that does not say otherwise is kept by no browser or proxy cache.

    Pages and API answers carry patient data; static files are served before this runs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class RequestBodyMiddleware:
    """Refuses a body too large (413) or a multipart body without a boundary (400) before
    any view, form or API parser reads it, so no such request can end in a server error."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = body_problem(request)
        if problem is not None:
            return refuse_body(request, *problem)
        return self.get_response(request)
