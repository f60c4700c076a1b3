"""Access rules for pages: every view declares the permission it needs, or that it is public.

The isolation sweep reads `required_permission`, `login_only` and `public` off each view.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from mesotrace.accounts.roles import Role

if TYPE_CHECKING:
    from mesotrace.accounts.models import Clinic, Membership, User
    from mesotrace.core.models import ClinicQuerySet

_V = TypeVar("_V", bound=Callable[..., HttpResponseBase])
_M = TypeVar("_M", bound=models.Model)


class ClinicRequest(HttpRequest):
    """A request made by a signed-in member with an active clinic (for type checking)."""

    user: User
    membership: Membership
    clinic: Clinic
    request_id: str


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


def public(view: _V) -> _V:
    """A page anyone may open: sign-in, health check."""
    view.public = True  # type: ignore[attr-defined]
    return view


def clinic_object_or_404(queryset: ClinicQuerySet[_M], clinic: Clinic, **lookup: Any) -> _M:
    """The one way views fetch a clinic's row: another clinic's row is simply not found."""
    return get_object_or_404(queryset.for_clinic(clinic), **lookup)
