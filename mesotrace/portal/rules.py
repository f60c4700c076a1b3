"""The portal link's rules, with no database: how long a link may last, how its token is
signed, and when a link no longer opens the portal (and with which answer)."""

from __future__ import annotations

import hashlib

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from mesotrace.portal.models import PortalLink

SALT = "mesotrace.portal.link"
DEFAULT_DAYS = 14
MAX_DAYS = 60


class LinkRefused(Exception):
    """A link that does not open the portal: 403 when it is not ours, 410 when it is over.

    `link` is the link a genuine but expired or revoked token names; None for a forged one.
    """

    def __init__(
        self, status: int, reason: str, message: str, link: PortalLink | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.link = link


def signer() -> signing.TimestampSigner:
    """Signs and checks the link's token: its id and nonce, with the time it was made."""
    return signing.TimestampSigner(salt=SALT)


def nonce_hash(nonce: str) -> str:
    """What is stored of the token's nonce: its SHA-256, never the nonce itself."""
    return hashlib.sha256(nonce.encode()).hexdigest()


def tampered() -> LinkRefused:
    return LinkRefused(
        403,
        "invalid",
        _("This link is not valid. Check that you copied all of it, or ask the clinic again."),
    )


def expired(link: PortalLink) -> LinkRefused:
    message = _("This link has expired. Ask the clinic for a new one.")
    return LinkRefused(410, "expired", message, link)


def check_open(link: PortalLink | None) -> PortalLink:
    """The link when it still opens the portal; else why not."""
    if link is None:
        raise tampered()
    if link.revoked_at is not None:
        message = _("The clinic has closed this link. Ask the clinic for a new one.")
        raise LinkRefused(410, "revoked", message, link)
    if link.expires_at <= timezone.now():
        raise expired(link)
    return link
