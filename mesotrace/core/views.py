"""The health check and the error pages (JSON under /api/)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from mesotrace.core.http import public


@public
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    vendor = "postgresql" if connection.vendor == "postgresql" else connection.vendor
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": vendor}, status=503)
    return JsonResponse({"status": "ok", "database": vendor})


def _error(request: HttpRequest, status: int, detail: str, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, template, {"detail": detail}, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Not found.", "404.html")


@public
@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Any path under /api/ that no operation answers: JSON, in every mode and method."""
    return JsonResponse({"detail": "Not found."}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    detail = str(exception) if exception and str(exception) else _("You may not do this.")
    return _error(request, 403, detail, "403.html")


def refuse_body(request: HttpRequest, status: int, field: str, message: str) -> HttpResponse:
    """A request whose body cannot be read (400) or is too large (413): JSON under /api/
    with the field at fault, the error page elsewhere. Nothing was read, so nothing changed."""
    if request.path.startswith("/api/"):
        body = {"detail": message, "errors": [{"field": field, "message": message}]}
        return JsonResponse(body, status=status)
    return render(request, "400.html", {"detail": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django raises these while it parses a body the request-body check let through
    # (a chunked body has no length to check beforehand).
    if isinstance(exception, RequestDataTooBig):
        return refuse_body(request, 413, "body", _("The request body is too large."))
    if isinstance(exception, MultiPartParserError):
        return refuse_body(request, 400, "Content-Type", _("The multipart body cannot be read."))
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return refuse_body(request, 400, "body", _("The request has too many fields."))
    return _error(request, 400, _("Bad request."), "400.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(
        request, 500, _("Something went wrong on our side; it has been logged."), "500.html"
    )
