"""Consent logic with no database: the signature a patient draws on the signing page,
checked, then kept as a clean PNG.

The browser sends the canvas as a PNG data URL. Only a real, reasonably small PNG with
something drawn on it is accepted; it is re-encoded, which drops any text chunk it carried.
"""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 200 * 1024
MAX_WIDTH, MAX_HEIGHT = 2000, 1000
FIELD = "drawn_signature"


def _refuse(message: str) -> ValidationError:
    return ValidationError({FIELD: message})


def _decoded(data_url: str) -> bytes:
    if not data_url.startswith(PREFIX):
        raise _refuse(_("The drawn signature is not a PNG image."))
    if len(data_url) - len(PREFIX) > MAX_BYTES * 4 // 3 + 4:
        raise _refuse(_("The drawn signature is too large (at most 200 kB)."))
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as error:
        raise _refuse(_("The drawn signature is not a PNG image.")) from error
    if len(raw) > MAX_BYTES:
        raise _refuse(_("The drawn signature is too large (at most 200 kB)."))
    return raw


def _is_blank(image: Image.Image) -> bool:
    """Nothing drawn: every pixel alike, or every pixel fully transparent."""
    rgba = image.convert("RGBA")
    if rgba.getchannel("A").getbbox() is None:
        return True
    extrema = rgba.getextrema()
    return all(band[0] == band[1] for band in extrema if isinstance(band, tuple))


def clean_drawn_signature(data_url: str) -> bytes:
    """The PNG to store, b"" when nothing was sent; bad data is a ValidationError on the field."""
    data_url = data_url.strip()
    if not data_url:
        return b""
    raw = _decoded(data_url)
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.format != "PNG":
                raise _refuse(_("The drawn signature is not a PNG image."))
            width, height = probe.size
            if width > MAX_WIDTH or height > MAX_HEIGHT:
                raise _refuse(
                    _("The drawn signature is too large (at most %(w)sx%(h)s pixels).")
                    % {"w": MAX_WIDTH, "h": MAX_HEIGHT}
                )
            probe.load()
            blank = _is_blank(probe)
            clean = io.BytesIO()
            probe.convert("RGBA").save(clean, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise _refuse(_("The drawn signature is not a PNG image.")) from error
    if blank:
        raise _refuse(_("The signature pad is empty: draw your signature, or clear it."))
    return clean.getvalue()


def signature_url(png: bytes) -> str:
    """A PNG as a data: URL for an <img> (the pages' CSP allows data: images), or ""."""
    return PREFIX + base64.b64encode(png).decode() if png else ""
