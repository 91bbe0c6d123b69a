"""``tinhso audit verify | head | tail``: check the audit chain and look at its end."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.core.audit import selectors, services


class Command(BaseCommand):
    # Checking the log must not depend on unrelated configuration being valid.
    requires_system_checks = []
    help = (
        "Verify the SHA-256 chained audit log, print its head (to anchor it elsewhere) or its newest records."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,head,tail}")
        verify = sub.add_parser("verify", help="Recompute every link; exit 1 at the first broken one.")
        verify.add_argument(
            "--expect-head",
            metavar="SEQ:HASH",
            help="A head printed earlier by 'tinhso audit head'; detects removal of the newest records.",
        )
        verify.add_argument("--chunk-size", type=int, default=2000, help="Rows read per round trip.")
        sub.add_parser("head", help="Print the newest record as SEQ:HASH, to write down or anchor elsewhere.")
        tail = sub.add_parser("tail", help="Print the newest records.")
        tail.add_argument("-n", "--lines", type=int, default=20, help="How many records (default 20).")

    def handle(self, *args, action: str, **options):
        getattr(self, f"_{action}")(**options)

    def _verify(self, *, expect_head: str | None, chunk_size: int, **_):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        anchor = None
        if expect_head:
            try:
                anchor = services.Head.parse(expect_head)
            except ValueError as exc:
                raise CommandError(f"--expect-head: {exc}") from None
        result = services.verify_chain(chunk_size=chunk_size, expect_head=anchor)
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at record {result.first_broken_seq}: {result.reason}. "
                f"{result.checked} record(s) before it are intact."
            )
        if result.head is None:
            self.stdout.write("Audit chain intact: 0 records (the log is empty).")
            return
        anchored = f", matches the anchored head {anchor.seq}" if anchor else ""
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {result.checked} records checked{anchored}.")
            + f"\nHead: {result.head}"
        )

    def _head(self, **_):
        head = services.current_head()
        if head is None:
            raise CommandError("The audit log is empty: there is no head to anchor yet.")
        self.stdout.write(str(head))

    def _tail(self, *, lines: int, **_):
        if lines < 1:
            raise CommandError("-n must be at least 1")
        for entry in selectors.tail(lines):
            at = timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S%z")
            target = f" {entry.object_type}:{entry.object_id}" if entry.object_type else ""
            flag = " [DENIED]" if entry.outcome == "denied" else ""
            actor = entry.actor_label or entry.actor_kind
            request = f" req={entry.request_id}" if entry.request_id else ""
            self.stdout.write(f"#{entry.seq} {at} {actor} {entry.action}{target}{flag}{request}")
