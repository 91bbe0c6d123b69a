"""The public tracking address printed as a QR code on Forms 01, 02 and 04.

The QR code holds only the public tracking URL with the dossier code: no name, no ID number, no
phone. The tracking page itself asks for a second factor before showing anything personal.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from django.conf import settings

TRACKING_PATH = "/ho-so/tra-cuu/"
QR_ERROR = "m"
QR_SCALE = 8
QR_BORDER = 4


def tracking_url(code: str) -> str:
    """``{SITE_URL}/ho-so/tra-cuu/?ma=<code>``."""
    return f"{settings.SITE_URL.rstrip('/')}{TRACKING_PATH}?{urlencode({'ma': code})}"


def make_qr(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR)


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a black-on-white PNG, ``QR_SCALE`` pixels per module."""
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=QR_SCALE, border=QR_BORDER, dark="black", light="white")
    return buffer.getvalue()
