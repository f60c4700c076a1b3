"""Photos made in the test: a JPEG carrying EXIF with a GPS position, as a phone would save it."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112


def jpeg_with_gps(width: int = 64, height: int = 48, orientation: int = 1) -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 90))
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    exif[ORIENTATION] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"taken at the clinic")
    return out.getvalue()


def jpeg_upload(name: str = "IMG_0001.jpg", **kwargs: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(**kwargs), content_type="image/jpeg")
