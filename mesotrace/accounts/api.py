"""`/api/v1/auth`: exchange a password for a bearer token, revoke it, and say who it is."""

from __future__ import annotations

import datetime

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from mesotrace.accounts import services
from mesotrace.accounts.access import Actor, ApiRequest, TokenAuth
from mesotrace.accounts.middleware import COUNTED
from mesotrace.accounts.models import Membership, User
from mesotrace.accounts.queries import active_memberships
from mesotrace.core.api import ErrorOut, InSchema, field_error

router = Router(tags=["auth"])


class TokenRequest(InSchema):
    RAW_FIELDS = frozenset({"password"})

    username: str = Field(min_length=1, max_length=254, description="The account's email address")
    password: str = Field(min_length=1, max_length=1024)
    clinic: str | None = Field(
        None, max_length=50, description="Clinic slug, when the user has several"
    )
    name: str = Field("", max_length=100, description="What the token is for")


class TokenOut(Schema):
    token: str
    clinic: str
    role: str
    expires_at: datetime.datetime


class MeOut(Schema):
    email: str
    clinic: str
    role: str
    token_expires_at: datetime.datetime


def _membership(user: User, slug: str | None) -> Membership:
    memberships = active_memberships(user)
    if slug:
        membership = memberships.filter(clinic__slug=slug).first()
        if membership is None:
            raise field_error("clinic", "You are not a member of that clinic.")
        return membership
    found = list(memberships[:2])
    if len(found) == 1:
        return found[0]
    if not found:
        raise PermissionDenied("This account is not a member of any clinic.")
    raise field_error("clinic", "You belong to several clinics: name one.")


@router.post(
    "/auth/token",
    response={
        201: TokenOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    auth=None,
)
def issue_token(request: HttpRequest, payload: TokenRequest) -> Status[TokenOut]:
    # The one operation without a token: its request is not yet an `ApiRequest`.
    user = authenticate(request, username=payload.username.lower(), password=payload.password)
    # A failure was counted by the throttle's signal; a success is no failure to count.
    setattr(request, COUNTED, True)
    if getattr(request, "axes_locked_out", False):
        # authenticate() swallows Axes' denial; unflagged, its middleware would swap this
        # JSON error for the HTML lockout page.
        request.axes_locked_out = False  # type: ignore[attr-defined]
        raise HttpError(429, "Too many failed sign-in attempts: try again later.")
    if user is None:
        raise HttpError(401, "The email address or password is not correct.")
    membership = _membership(user, payload.clinic)
    request.user = user
    token, raw = services.issue_token(Actor.from_request(request, "api"), membership, payload.name)
    return Status(
        201,
        TokenOut(
            token=raw,
            clinic=membership.clinic.slug,
            role=membership.role,
            expires_at=token.expires_at,
        ),
    )


@router.delete("/auth/token", response={204: None, 401: ErrorOut}, auth=TokenAuth("account.self"))
def revoke_token(request: ApiRequest) -> Status[None]:
    services.revoke_token(request.actor, request.api_token)
    return Status(204, None)


@router.get("/auth/me", response={200: MeOut, 401: ErrorOut}, auth=TokenAuth("account.self"))
def me(request: ApiRequest) -> MeOut:
    return MeOut(
        email=request.user.email,
        clinic=request.clinic.slug,
        role=request.membership.role,
        token_expires_at=request.api_token.expires_at,
    )
