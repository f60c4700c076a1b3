"""Who is acting and what they may open: the actor, typed requests, and the access rules.

Every page declares the permission it needs (`clinic_view`), or that it is for any signed-in
user (`login_only`) or public (`mesotrace.core.http.public`); every API operation declares
it through `TokenAuth`. The isolation sweep reads these marks off each view.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from mesotrace.accounts.models import ApiToken, Clinic, Membership, User
from mesotrace.accounts.queries import membership_for_token
from mesotrace.accounts.roles import Role
from mesotrace.core.http import client_ip, request_id_for

if TYPE_CHECKING:
    from mesotrace.core.models import ClinicQuerySet

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])
_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class Actor:
    """Who is acting, from where: passed to every service so its audit row can say so."""

    user: User | None
    membership: Membership | None
    request_id: str
    ip: str | None
    user_agent: str
    via: str
    # Who acts when no user does, e.g. "patient via portal link 12"; shown in the audit trail.
    on_behalf_of: str = ""

    @property
    def clinic(self) -> Clinic | None:
        return self.membership.clinic if self.membership else None

    @property
    def user_pk(self) -> int | None:
        return self.user.pk if self.user else None

    @property
    def clinic_pk(self) -> int | None:
        return self.membership.clinic_id if self.membership else None

    @property
    def label(self) -> str:
        if self.user:
            return self.user.email
        if self.on_behalf_of:
            return self.on_behalf_of
        return "anonymous" if self.via in {"web", "api", "portal"} else f"system ({self.via})"

    @classmethod
    def from_request(
        cls, request: HttpRequest, via: str = "web", user: User | None = None
    ) -> Actor:
        if user is None:
            current = getattr(request, "user", None)
            user = current if current is not None and current.is_authenticated else None
        return cls(
            user=user,
            membership=getattr(request, "membership", None),
            request_id=getattr(request, "request_id", "") or request_id_for(request),
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
            via=via,
        )

    @classmethod
    def system(cls, via: str, membership: Membership | None = None) -> Actor:
        """An actor for commands and jobs that run without a request."""
        return cls(
            user=membership.user if membership else None,
            membership=membership,
            request_id=uuid.uuid4().hex,
            ip=None,
            user_agent="",
            via=via,
        )


class ClinicRequest(HttpRequest):
    """A page request by a signed-in member with an active clinic (for type checking)."""

    user: User
    membership: Membership
    clinic: Clinic
    request_id: str


class ApiRequest(HttpRequest):
    """An API call with a valid bearer token: every operation takes this request."""

    user: User
    membership: Membership
    clinic: Clinic
    api_token: ApiToken
    actor: Actor
    request_id: str


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token's membership must carry `permission`."""

    def __init__(self, permission: str) -> None:
        super().__init__()
        self.permission = permission

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        found = membership_for_token(token)
        if found is None:
            return None
        api_token, membership = found
        request.user = membership.user
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        request.actor = Actor.from_request(request, "api")  # type: ignore[attr-defined]
        if not membership.may(self.permission):
            raise PermissionDenied(denial_reason(membership, self.permission))
        return membership


def denial_reason(membership: Membership, permission: str) -> str:
    role = Role(membership.role).label
    return _("Your role in %(clinic)s (%(role)s) does not allow this.") % {
        "clinic": membership.clinic.name,
        "role": role,
    }


def clinic_view(permission: str) -> Callable[[_V], _V]:
    """A page for members of the active clinic whose role carries `permission`."""

    def decorate(view: _V) -> _V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None)
            if membership is None:
                return redirect("accounts:choose_clinic")
            if not membership.may(permission):
                raise PermissionDenied(denial_reason(membership, permission))
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return cast(_V, wrapper)

    return decorate


def login_only(view: _V) -> _V:
    """A page any signed-in user may open, whatever their clinic (e.g. choosing one)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapper.login_only = True  # type: ignore[attr-defined]
    return cast(_V, wrapper)


def clinic_object_or_404(queryset: ClinicQuerySet[_M], clinic: Clinic, **lookup: Any) -> _M:
    """The one way views fetch a clinic's row: another clinic's row is simply not found."""
    return get_object_or_404(queryset.for_clinic(clinic), **lookup)
