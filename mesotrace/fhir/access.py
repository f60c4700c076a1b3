"""Who may read the FHIR interface: the API's bearer token, its member's role, their clinic.

`fhir_view` authenticates exactly as `/api/v1/` does (`TokenAuth`), then answers a missing
or refused token with an OperationOutcome instead of the API's error body.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from mesotrace.accounts.access import ApiRequest, TokenAuth
from mesotrace.fhir.rules.outcome import issue, respond

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])


def fhir_view(permission: str, methods: tuple[str, ...] = ("GET",)) -> Callable[[_V], _V]:
    """A FHIR interaction for a token whose member's role carries `permission`.

    The view may narrow further with `request.membership.may(...)`.
    """

    def decorate(view: _V) -> _V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in methods:
                reason = _("%(method)s is not supported here.") % {"method": request.method}
                response = respond(405, issue("not-supported", reason))
                response["Allow"] = ", ".join(methods)
                return response
            try:
                membership = TokenAuth(permission)(request)
            except PermissionDenied as refused:
                return respond(403, issue("forbidden", str(refused)))
            if membership is None:
                response = respond(401, issue("login", _("A valid bearer token is required.")))
                response["WWW-Authenticate"] = "Bearer"
                return response
            return view(cast(ApiRequest, request), *args, **kwargs)

        wrapper.fhir_permission = permission  # type: ignore[attr-defined]
        wrapper.csrf_exempt = True  # type: ignore[attr-defined]
        return cast(_V, wrapper)

    return decorate
