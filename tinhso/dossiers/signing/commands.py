"""``tinhso dossiers signing demo-ca [--force]``: the demo certification authority.

Plugged into the ``tinhso dossiers`` command (``add_parser`` / ``run``). Refuses to run without
DEBUG unless ``--force``: the demo keys are protected by a published password.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def add_parser(subparsers) -> None:
    signing = subparsers.add_parser("signing", help="Digital signatures of results (demo CA)")
    actions = signing.add_subparsers(dest="signing_action", required=True)
    demo = actions.add_parser(
        "demo-ca", help="Create the demo CA and certificates for the demo leaders and agencies (idempotent)"
    )
    demo.add_argument("--force", action="store_true", help="run even when DEBUG is off")


def run(options: dict, stdout) -> None:
    from tinhso.dossiers.signing import demo_ca

    if options.get("signing_action") != "demo-ca":  # argparse already refuses anything else
        raise CommandError("unknown signing action")
    if not settings.DEBUG and not options.get("force"):
        raise CommandError(
            "The demo CA's keys are protected by a published password. "
            "Use DEBUG=1, or --force if this really is a demo server."
        )
    report = demo_ca.ensure_demo_ca()
    stdout.write(f"root: {report.root_path} ({'created' if report.root_created else 'kept'})")
    stdout.write(f"certificates created={len(report.created)} kept={len(report.kept)}")
    for label in report.created:
        stdout.write(f"  + {label}")
