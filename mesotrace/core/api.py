"""The API's building blocks: bearer-token auth that also checks the role, and error bodies.

Every error is a JSON body with `detail`; validation errors add
`errors: [{"field", "message"}]`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from pydantic import ConfigDict

from mesotrace.accounts.access import denial_reason
from mesotrace.accounts.services import membership_for_token

_LOCATIONS = {"body", "query", "path", "payload", "form", "header", "cookie"}


class InSchema(Schema):
    """Base of every request body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] | None = None


# The error answers any operation may give, for the OpenAPI description of each operation.
ERRORS: dict[int, type[Schema]] = dict.fromkeys((400, 401, 403, 404, 422), ErrorOut)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token's membership must carry `permission`."""

    def __init__(self, permission: str) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = membership_for_token(token)
        if found is None:
            return None
        api_token, membership = found
        request.user = membership.user
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        if not membership.may(self.permission):
            raise PermissionDenied(denial_reason(membership, self.permission))
        return membership


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location if str(part) not in _LOCATIONS]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "Unknown field."
    if error.get("type") == "missing":
        return "This field is required."
    return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": _field_name(e.get("loc", ())), "message": _message(e)} for e in errors]


def reject_unknown_query(request: HttpRequest, allowed: set[str]) -> None:
    """A query parameter no filter declares is refused by name, never silently ignored."""
    unknown = sorted(set(request.GET) - allowed)
    if unknown:
        raise NinjaValidationError(
            [
                {"loc": ("query", name), "msg": "Unknown query parameter.", "type": "unknown"}
                for name in unknown
            ]
        )


def django_errors(error: DjangoValidationError) -> list[dict[str, str]]:
    if hasattr(error, "error_dict"):
        return [
            {"field": field, "message": message}
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": "body", "message": message} for message in error.messages]


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, detail: str, errors: Any = None) -> HttpResponse:
        body: dict[str, Any] = {"detail": detail}
        if errors is not None:
            body["errors"] = errors
        return api.create_response(request, body, status=status)

    @api.exception_handler(NinjaValidationError)
    def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return respond(
            request, 422, "The request is not valid.", validation_errors(list(exc.errors))
        )

    @api.exception_handler(DjangoValidationError)
    def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(request, 422, "The request is not valid.", django_errors(exc))

    @api.exception_handler(AuthenticationError)
    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401, "A valid bearer token is required.")
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(PermissionDenied)
    def on_permission(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or "You may not do this.")

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "Not found.")

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))
