"""Background tasks of the field-report module (django-tasks; run by ``tinhso worker``)."""

from django_tasks import task

from tinhso.core.permissions import SYSTEM


@task()
def close_stale_reports() -> int:
    """Enqueue daily (or run ``tinhso feedback close-stale`` from a timer): closes resolved reports
    the reporter neither confirmed nor reopened within ``FEEDBACK_AUTO_CLOSE_DAYS``."""
    from tinhso.feedback import services

    return len(services.close_stale_reports(actor=SYSTEM))
