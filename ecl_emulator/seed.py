"""Deterministic, realistic apps for seeded tenants, and the fixed demo tenant."""

from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timedelta

from .models import App, Tenant, Usage
from .timefmt import JST, format_jst, now_jst

DEMO_TENANT_ID = "0123456789abcdef0123456789abcdef"
DEMO_API_KEY = "4f1c9e2a7b3d4c5e8f6a0b1c2d3e4f5a"
DEMO_API_SECRET = "DemoSecret-k7Vq2xN9pL4wR8tZ3mB6"  # noqa: S105 - a published demo value
DEMO_APP_COUNT = 25

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


def demo_tenant() -> Tenant:
    """The tenant `--demo` seeds: fixed id and keys, so docs and a Makefile can name them."""
    tenant = new_tenant(DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET)
    seed_apps(tenant, DEMO_APP_COUNT)
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


def seed_apps(tenant: Tenant, count: int) -> None:
    """Add `count` varied apps; the same tenant id always gets the same apps."""
    rng = random.Random(f"apps:{tenant.tenant_id}:{tenant.next_app_id}")
    latest = min(_SEED_EPOCH + timedelta(seconds=_SEED_SPAN_SECONDS), now_jst())
    span = max(int((latest - _SEED_EPOCH).total_seconds()), count)
    # Creation times ascend with the ids, as they would on a real service.
    offsets = sorted(rng.sample(range(span), count)) if count <= span else [0] * count
    for offset in offsets:
        created = _SEED_EPOCH + timedelta(seconds=offset)
        app = _random_app(rng, tenant.take_app_id(), created, latest)
        tenant.apps[app.id] = app


def _random_app(rng: random.Random, app_id: int, created: datetime, latest: datetime) -> App:
    permissions = [p for p, odds in _PERMISSION_ODDS if rng.random() < odds]
    status = "suspended" if rng.random() < 0.12 else "active"
    bucket = key = ""
    if "RECORDING" in permissions or rng.random() < 0.1:
        bucket = rng.choice(_BUCKETS)
        # Some apps have RECORDING and a bucket but no key yet: recording stays unavailable.
        if rng.random() < 0.8:
            key = _service_account_key(rng, bucket)
    updated = created + timedelta(seconds=rng.randrange(0, 200 * 86400))
    updated = min(updated, latest)
    return App(
        id=app_id,
        apikey=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        secretkey=_secret(rng),
        created_at=format_jst(created),
        updated_at=format_jst(max(updated, created)),
        description=rng.choice(_PLACES) + " " + rng.choice(_PURPOSES) + rng.choice(_QUALIFIERS),
        domains=rng.sample(_DOMAINS, rng.choice((0, 1, 1, 2, 2, 3))),
        permissions=permissions,
        status=status,
        bucket_name=bucket,
        service_account_key=key,
        usage_previous=_usage(rng, permissions, status),
        usage_current=_usage(rng, permissions, status, partial=True),
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


def _usage(rng: random.Random, permissions: list[str], status: str, partial: bool = False) -> Usage:
    if status == "suspended" and rng.random() < 0.7:
        return Usage()
    scale = rng.uniform(0.1, 0.6) if partial else 1.0
    signaling = int(rng.lognormvariate(7, 1.5) * scale)
    turn = round(rng.lognormvariate(1.5, 1.2) * scale, 3) if "TURN" in permissions else 0
    sfu = round(rng.lognormvariate(2, 1.3) * scale, 3) if "SFU" in permissions else 0
    return Usage(signaling=signaling, turn=turn, sfu=sfu)


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
