"""The second factor: TOTP devices and single-use recovery codes (django-otp).

A person has at most one confirmed TOTP device and one set of recovery codes. Enrolment makes an
unconfirmed device, shows its secret (QR code), and confirms it once a code from the app matches;
confirming replaces any earlier device and issues fresh recovery codes.

Recovery codes are shown once and stored only as a keyed digest (HMAC under ``SECRET_KEY``;
django-otp's static tokens hold the digest, so its single use and throttling still apply): a
copy of the database does not give them, nor a way to test guesses offline.
Every wrong code, TOTP or recovery, counts against that device's throttle (django-otp doubles the
wait after each failure).
"""

from __future__ import annotations

import re
import secrets
from base64 import b32encode, urlsafe_b64encode
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read off paper
_RECOVERY_LENGTH = 12  # 12 of 31 symbols: about 59 bits each
_TOTP_CODE = re.compile(r"^[0-9]{6}$")
_RECOVERY_CODE = re.compile(rf"^[{_RECOVERY_ALPHABET}]{{{_RECOVERY_LENGTH}}}$")

DEVICE_NAME = "TOTP"
RECOVERY_NAME = "recovery"

# Demo mode only: the demo's managers, data-protection officers and admin are enrolled with this
# secret, so that `make run` can be tried; the log-in page shows its current code in demo mode.
DEMO_TOTP_KEY = "6b656d2d64656d6f2d746f74702d736563726574"


@dataclass(frozen=True)
class Verification:
    """The device a code matched, or why none did (``wait_seconds`` while throttled)."""

    device: Any = None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.device is not None


def normalise_code(code: str) -> str:
    """Spaces and dashes dropped, lower case: codes are read aloud and typed from paper."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def _digest(code: str, secret: str | bytes | None = None) -> str:
    """A keyed digest (HMAC-SHA-256 under ``SECRET_KEY``, which no database copy holds) of 96
    bits, in the 16 characters django-otp's static token column has."""
    mac = salted_hmac("kem.second_factor.recovery_code", code, secret=secret, algorithm="sha256")
    return urlsafe_b64encode(mac.digest()[:12]).decode()


def _digests(code: str) -> list[str]:
    """The code's digest under the current secret key and each one still accepted after a rotation."""
    return [_digest(code, secret) for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


def confirmed_totp(user: Any) -> Any:
    """The user's confirmed TOTP device, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_device(user: Any) -> Any:
    return StaticDevice.objects.filter(user=user, confirmed=True, name=RECOVERY_NAME).first()


def is_enrolled(user: Any) -> bool:
    """Whether ``user`` has a confirmed TOTP device (then every log-in asks for a code)."""
    return bool(user.is_authenticated) and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def pending_device(user: Any) -> Any:
    """The device being enrolled (unconfirmed), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


@transaction.atomic
def enrolment_start(user: Any) -> Any:
    """A fresh unconfirmed TOTP device with a new random secret (any earlier pending one goes)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: Any) -> str:
    """The secret as authenticator apps take it when typed in (groups of four)."""
    return _base32(device.bin_key)


def demo_secret_base32() -> str:
    """Demo mode only: the demo's published secret, for an authenticator app."""
    return _base32(bytes.fromhex(DEMO_TOTP_KEY))


def _base32(key: bytes) -> str:
    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def enrolment_confirm(user: Any, code: str) -> tuple[Verification, list[str]]:
    """Confirm the pending device if ``code`` matches it: it replaces any earlier device, and a
    fresh set of recovery codes is returned (shown once). Otherwise no change but the throttle."""
    device = pending_device(user)
    if device is None:
        return Verification(), []
    result = _verify_device(device, normalise_code(code))
    if not result.ok:
        return result, []
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return Verification(device=device), recovery_codes_renew(user)


@transaction.atomic
def recovery_codes_renew(user: Any) -> list[str]:
    """Replace the user's recovery codes with ``RECOVERY_CODE_COUNT`` new ones, returned in the clear."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_digest(code)) for code in codes])
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


@transaction.atomic
def second_factor_remove(user: Any) -> None:
    """Remove every device and recovery code of ``user``."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def verify(user: Any, code: str) -> Verification:
    """Check a code from the app (six digits) or a recovery code (used up when it matches)."""
    code = normalise_code(code)
    if _TOTP_CODE.match(code):
        device = confirmed_totp(user)
    elif _RECOVERY_CODE.match(code):
        device = recovery_device(user)
        if device is not None:
            candidates = _digests(code)
            stored = device.token_set.filter(token__in=candidates).values_list("token", flat=True).first()
            code = stored or candidates[0]
    else:
        device = None
    if device is None:
        # A code of neither shape still counts against the app's throttle.
        totp = confirmed_totp(user)
        if totp is not None:
            allowed, _data = totp.verify_is_allowed()
            if allowed:
                totp.throttle_increment()
            return _throttled(totp) or Verification()
        return Verification()
    return _verify_device(device, code)


def _verify_device(device: Any, code: str) -> Verification:
    throttled = _throttled(device)
    if throttled is not None:
        return throttled
    with transaction.atomic():
        # One check at a time per device: a recovery code is used once, a TOTP step once.
        device = type(device).objects.select_for_update().get(pk=device.pk)
        if device.verify_token(code):
            return Verification(device=device)
    return Verification()


def _throttled(device: Any) -> Verification | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    until = (data or {}).get("locked_until")
    wait = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
    return Verification(wait_seconds=wait)


@transaction.atomic
def demo_enrol(user: Any) -> None:
    """Demo mode only: enrol ``user`` with the demo's published TOTP secret."""
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True, key=DEMO_TOTP_KEY)


def demo_code(user: Any) -> str | None:
    """Demo mode only: the next code the demo device of ``user`` accepts, None if it has none.

    A code is accepted once per 30-second step, so after a log-in this is the next step's code
    (the device accepts one step ahead).
    """
    device = confirmed_totp(user)
    if device is None or device.key != DEMO_TOTP_KEY:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now_t = totp.t()
    ahead = max(0, device.last_t + 1 - now_t)
    if ahead > device.tolerance:
        return None
    totp.drift = device.drift + ahead
    return f"{totp.token():0{device.digits}d}"
