"""Deterministic, realistic apps for seeded tenants, and the fixed demo tenant."""

from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timedelta

from .models import App, Tenant
from .timefmt import JST, format_jst
from .usage import UsageModel

DEMO_TENANT_ID = "0123456789abcdef0123456789abcdef"
DEMO_API_KEY = "4f1c9e2a7b3d4c5e8f6a0b1c2d3e4f5a"
DEMO_API_SECRET = "DemoSecret-k7Vq2xN9pL4wR8tZ3mB6"  # noqa: S105 - a published demo value
DEMO_APP_COUNT = 120
# Demo apps were created over the ~18 months before the day the demo is seeded, so the portal
# has a year of usage history with some shape: few apps a year ago, more since, each growing.
DEMO_SPAN_DAYS = 548

_PLACES = [
    "Tokyo office",
    "Osaka branch",
    "Nagoya plant",
    "Fukuoka call center",
    "Sapporo clinic",
    "Yokohama warehouse",
    "Kyoto showroom",
    "Sendai campus",
    "Head office",
    "Singapore hub",
    "London desk",
    "Frankfurt lab",
    "Customer support",
    "Field service",
    "Sales team",
]
_PURPOSES = [
    "video line",
    "meeting rooms",
    "remote assistance",
    "telehealth kiosk",
    "webinar studio",
    "intercom",
    "interview booth",
    "training sessions",
    "help desk chat",
    "IoT camera feed",
    "voice hotline",
    "screen sharing",
    "town hall broadcast",
    "pair programming",
    "reception",
]
_QUALIFIERS = ["", "", "", " (staging)", " (pilot)", " v2", " - night shift", " (test)"]
_DOMAINS = [
    "example.com",
    "app.example.com",
    "meet.example.com",
    "support.example.net",
    "video.example.org",
    "example.co.jp",
    "www.example.co.jp",
    "localhost",
    "192.0.2.10",
    "staging.example.com",
    "clinic.example.jp",
    "intra.example.local",
]
_BUCKETS = ["acme-recordings", "support-audio-archive", "meet-recordings-jp", "qa-call-audio"]
_SEED_EPOCH = datetime(2023, 4, 1, 9, 0, tzinfo=JST)
_SEED_SPAN_SECONDS = int(timedelta(days=900).total_seconds())


def demo_tenant(now: datetime) -> Tenant:
    """The tenant `--demo` seeds: fixed id and keys, so docs and a Makefile can name them.

    Its apps are the same every time but for their times, which end at 00:00 Japan time of
    `now`'s day and go back `DEMO_SPAN_DAYS`.
    """
    tenant = new_tenant(DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET)
    end = now.astimezone(JST).replace(hour=0, minute=0, second=0, microsecond=0)
    _add_apps(tenant, DEMO_APP_COUNT, end - timedelta(days=DEMO_SPAN_DAYS), end)
    return tenant


def new_tenant(tenant_id: str, api_key: str, api_secret: str, state: str = "active") -> Tenant:
    """A tenant without apps; its user id and project name derive from its id."""
    rng = random.Random(f"user:{tenant_id}")
    return Tenant(
        tenant_id=tenant_id,
        api_key=api_key,
        api_secret=api_secret,
        user_id=uuid.UUID(int=rng.getrandbits(128)).hex,
        project_name=f"tenant-{tenant_id[:8]}",
        state=state,
    )


def seed_apps(tenant: Tenant, count: int, now: datetime) -> None:
    """Add `count` varied apps, created from April 2023 over 900 days (until `now` at the
    latest); the same tenant id always gets the same apps."""
    latest = min(_SEED_EPOCH + timedelta(seconds=_SEED_SPAN_SECONDS), now)
    _add_apps(tenant, count, _SEED_EPOCH, latest)


def _add_apps(tenant: Tenant, count: int, earliest: datetime, latest: datetime) -> None:
    rng = random.Random(f"apps:{tenant.tenant_id}:{tenant.next_app_id}")
    span = max(int((latest - earliest).total_seconds()), count)
    # Creation times ascend with the ids, as they would on a real service.
    offsets = sorted(rng.sample(range(span), count)) if count <= span else [0] * count
    for offset in offsets:
        created = earliest + timedelta(seconds=offset)
        app = _random_app(rng, tenant, created, max(latest, created))
        tenant.apps[app.id] = app


def _random_app(rng: random.Random, tenant: Tenant, created: datetime, latest: datetime) -> App:
    permissions = [p for p, odds in _PERMISSION_ODDS if rng.random() < odds]
    status = "suspended" if rng.random() < 0.12 else "active"
    bucket = key = ""
    if "RECORDING" in permissions or rng.random() < 0.1:
        bucket = rng.choice(_BUCKETS)
        # Some apps have RECORDING and a bucket but no key yet: recording stays unavailable.
        if rng.random() < 0.8:
            key = _service_account_key(rng, bucket)
    updated = created + timedelta(seconds=rng.randrange(0, 200 * 86400))
    updated = max(min(updated, latest), created)
    app_id = tenant.take_app_id()
    usage = UsageModel(tenant.tenant_id, app_id, int(created.timestamp()), permissions, "active")
    if status != "active":  # it was in use until it was suspended, at its last update
        usage.change(int(updated.timestamp()), permissions, status)
    return App(
        id=app_id,
        apikey=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        secretkey=_secret(rng),
        created_at=format_jst(created),
        updated_at=format_jst(updated),
        description=rng.choice(_PLACES) + " " + rng.choice(_PURPOSES) + rng.choice(_QUALIFIERS),
        domains=rng.sample(_DOMAINS, rng.choice((0, 1, 1, 2, 2, 3))),
        permissions=permissions,
        status=status,
        bucket_name=bucket,
        service_account_key=key,
        usage=usage,
    )


_PERMISSION_ODDS = [
    ("TURN", 0.7),
    ("SFU", 0.5),
    ("USER_LIST", 0.3),
    ("PEER_AUTHENTICATION", 0.4),
    ("RECORDING", 0.25),
]


def _secret(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(33)).decode()


def _service_account_key(rng: random.Random, bucket: str) -> str:
    project = bucket.replace("-", "")[:20] + f"-{rng.randrange(100000, 999999)}"
    return json.dumps(
        {
            "type": "service_account",
            "project_id": project,
            "private_key_id": f"{rng.getrandbits(160):040x}",
            "client_email": f"recorder@{project}.iam.gserviceaccount.com",
        }
    )
