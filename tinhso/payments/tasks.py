"""Background tasks of the payments app (django-tasks; run by ``tinhso worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_sandbox_callback(callback_id: int) -> str:
    """The sandbox gateway sends a notification it owes the platform (maybe late, maybe twice)."""
    from tinhso.payments.providers import sandbox

    return sandbox.deliver_callback(callback_id)
