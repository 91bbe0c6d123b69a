"""Background tasks of the procedure catalog (django-tasks; run by ``tinhso worker``)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: str) -> str:
    """Import one uploaded catalog file; safe to run more than once (a finished job is skipped)."""
    from tinhso.procedures import imports

    return imports.run_import(job_id)
