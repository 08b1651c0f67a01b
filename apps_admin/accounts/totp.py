"""Setting up an authenticator app: a new seed (encrypted at rest at once), the otpauth:// URI
that apps read from a QR code (drawn by segno, a pure-Python QR encoder, as an SVG), and the
first code that confirms the app has the seed."""

from __future__ import annotations

from typing import Any

import pyotp
import segno
from django.db import transaction

from apps_admin.accounts import second_factor
from apps_admin.models import TotpDevice


def start(user: Any) -> TotpDevice:
    """A new unconfirmed device for `user` (replacing an unconfirmed one); a confirmed device
    stays until it is removed."""
    with transaction.atomic():
        TotpDevice.objects.filter(user=user, confirmed=False).delete()
        device = TotpDevice(user=user)
        device.set_secret(pyotp.random_base32())
        device.save()
    return device


def pending(user: Any) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed=False).first()


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(
        name=device.user.get_username(), issuer_name=second_factor.ISSUER
    )


def qr_code_svg(uri: str) -> str:
    """The QR code of `uri` as an SVG data URI (no script, no request elsewhere)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def confirm(device: TotpDevice, code: str) -> bool:
    """The app shows the right code: the device is confirmed (and the code used)."""
    code = second_factor.normalized(code)
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return False
    if not second_factor.accept_totp(device, code):
        return False
    TotpDevice.objects.filter(pk=device.pk).update(confirmed=True)
    device.confirmed = True
    return True
