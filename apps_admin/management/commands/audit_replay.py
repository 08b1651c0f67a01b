"""`audit_replay`: write back the audit events the log holds as "audit event not recorded"."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps_admin import audit
from apps_admin.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Read the portal's log (files, or standard input) and write back every audit event it "
        "logged whole because the database could not take it: a pending event gets its "
        "outcome, a missing one is added. Events already recorded are left as they are, so a "
        "log can be replayed twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("logs", nargs="*", help="Log files (default: standard input).")

    def handle(self, *args, logs: list[str], **options) -> None:
        counts = {"completed": 0, "added": 0, "kept": 0}
        for line in _lines(logs):
            _, marker, payload = line.partition(audit.NOT_RECORDED)
            if not marker:
                continue
            try:
                record = json.loads(payload)
                counts[_replay(record)] += 1
            except (ValueError, KeyError, TypeError) as error:
                raise CommandError(f"Not an audit event: {payload[:200]!r} ({error})") from None
        self.stdout.write(
            f"{counts['completed']} completed, {counts['added']} added, "
            f"{counts['kept']} already recorded"
        )


def _lines(logs: list[str]):
    if not logs:
        yield from sys.stdin
        return
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as log:
            yield from log


def _replay(record: dict[str, Any]) -> str:
    columns = {name: record[name] for name in audit.REPLAYED_FIELDS}
    for name in ("at", "completed_at"):
        if columns[name] is not None:
            columns[name] = datetime.fromisoformat(columns[name])
    with transaction.atomic():
        event_id = record.get("id")
        existing = AuditEvent.objects.filter(pk=event_id) if event_id is not None else None
        if existing is not None and existing.exists():
            outcome = {
                name: columns[name]
                for name in ("outcome", "transaction_id", "completed_at", "findings", "app_id")
            }
            return "completed" if existing.complete_pending(**outcome) else "kept"
        same = AuditEvent.objects.filter(
            at=columns["at"], action=columns["action"], request_id=columns["request_id"]
        )
        if same.exclude(outcome=AuditEvent.PENDING).exists():
            return "kept"
        AuditEvent.objects.create(**columns)
        return "added"
