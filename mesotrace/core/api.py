"""The API's building blocks: request bodies, error bodies, paging, field errors and conflicts.

Every error is a JSON body with `detail`; validation errors and conflicts add
`errors: [{"field", "message"}]`. Authentication and the typed request live with the
accounts (`mesotrace.accounts.access`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from mesotrace.core.inputs import clean_text, date_problem

_Item = TypeVar("_Item")

_LOCATIONS = {"body", "query", "path", "payload", "form", "header", "cookie"}


# A text field allowed more than this many characters is prose and may hold line breaks;
# shorter ones (names, codes, titles) are one line.
MULTILINE_FROM = 300


def _max_length(field: FieldInfo | None) -> int:
    lengths = [getattr(rule, "max_length", None) for rule in (field.metadata if field else [])]
    return max((n for n in lengths if isinstance(n, int)), default=0)


def _plain(value: Any, multiline: bool) -> Any:
    if type(value) is str:
        return clean_text(value, multiline=multiline)
    if isinstance(value, datetime.date):
        problem = date_problem(value)
        if problem:
            raise ValueError(problem)
    if isinstance(value, list):
        return [_plain(item, multiline) for item in value]
    return value


class PlainInput(Schema):
    """Text is NFC without control or invisible characters, and every date lies in the
    clinic's years (`mesotrace.core.inputs`): for bodies and query filters alike."""

    # Fields taken exactly as sent: a password is compared, never shown or normalised.
    RAW_FIELDS: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _plain_input(cls, value: Any, info: ValidationInfo) -> Any:
        name = info.field_name or ""
        if name in cls.RAW_FIELDS:
            return value
        return _plain(value, _max_length(cls.model_fields.get(name)) > MULTILINE_FROM)


class InSchema(PlainInput):
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


class Conflict(Exception):
    """409: the request is valid but the clinic's state refuses it (the time is taken)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Paging(PlainInput):
    """The paging part of every list's query: `page` from 1, `page_size` up to the list's cap."""

    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(25, ge=1, le=200)


class Page(Schema, Generic[_Item]):
    """One page of a list: its rows, how many there are in all, and where this page is."""

    items: list[_Item]
    count: int
    page: int
    page_size: int


def paginate(rows: QuerySet[Any] | Sequence[Any], paging: Paging) -> tuple[list[Any], int]:
    """The rows of the asked page and the total count."""
    start = (paging.page - 1) * paging.page_size
    total = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return list(rows[start : start + paging.page_size]), total


def field_error(field: str, message: str) -> NinjaValidationError:
    """A 422 naming the body field at fault: `raise field_error("lot_id", "...")`."""
    return NinjaValidationError([{"loc": ("body", field), "msg": message, "type": "value_error"}])


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

    @api.exception_handler(Conflict)
    def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
        return respond(request, 409, exc.message, [{"field": exc.field, "message": exc.message}])

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400:
            # The one 400 ninja raises itself: a body that is not valid JSON.
            message = "The body is not valid JSON."
            return respond(request, 400, message, [{"field": "body", "message": message}])
        return respond(request, exc.status_code, str(exc))
