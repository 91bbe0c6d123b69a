"""Background tasks of the operations center (django-tasks; run by ``tinhso worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def evaluate_alerts() -> dict:
    """Evaluate every active alert rule (enqueued, throttled, after one-stop events; the timer
    ``tinhso ioc_alerts evaluate`` runs the same every minute). Safe to run more than once."""
    from tinhso.ioc.alerts import evaluate_rules

    return evaluate_rules().as_dict()
