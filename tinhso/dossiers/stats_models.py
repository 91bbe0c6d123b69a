"""The statistics read model: the one-stop office's figures per day, agency and procedure.

Every figure of :mod:`tinhso.dossiers.stats.selectors` is either *additive over days* (received, resolved and how,
refused, withdrawn, fees paid, processing days, ratings: each belongs to one day of the dossier's
life) or a *boundary* figure (dossiers still open at a moment, with how many are overdue). So the
read model keeps:

* ``DailyFigures``: the additive figures of one local day for one (receiving agency, procedure);
* ``OpenFigures``: the dossiers open at the end of one day (00:00 of the next), per agency and
  procedure, classified in time / overdue as measured at that moment (a periodic snapshot);
* ``FiguresDay``: which days are materialised, and when.

A period's figures are then sums of ``DailyFigures`` over its days plus two ``OpenFigures``
snapshots (the day before it starts, its last day), read in milliseconds whatever the number of
dossiers. Days not materialised (today, a fresh database) are computed from the dossiers as
before. Only :mod:`tinhso.dossiers.stats.readmodel` writes these tables. See docs/onestop.md, "Statistics read model".
"""

from __future__ import annotations

from django.db import models


def _count() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0)


class FiguresDay(models.Model):
    """One local day of the read model: whether its figures and its end-of-day snapshot exist."""

    day = models.DateField(unique=True)
    figures_at = models.DateTimeField(null=True, blank=True)
    """When the day's ``DailyFigures`` were computed (null: not materialised)."""
    open_at = models.DateTimeField(null=True, blank=True)
    """When the end-of-day ``OpenFigures`` snapshot was taken (null: not taken)."""

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return self.day.isoformat()


class _Cell(models.Model):
    """A (local day, receiving agency, procedure) cell. No database constraint on the keys: a read
    model must never stop a change to what it summarises."""

    day = models.DateField()
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.agency_id}/{self.procedure_id}"


class DailyFigures(_Cell):
    """The additive figures of one day for dossiers received by one agency for one procedure.

    Each column is the sum, over that day, of the fact of the same name in :mod:`tinhso.dossiers.stats.facts`
    (received counted on the day of receipt, resolved on the day it ended, ratings on the day
    they were given...).
    """

    received = _count()
    received_online = _count()
    received_counter = _count()
    received_postal = _count()
    resolved = _count()
    resolved_early = _count()
    resolved_on_time = _count()
    resolved_late = _count()
    refused = _count()
    withdrawn = _count()
    stopped = _count()
    fee_dossiers = _count()
    paid_online = _count()
    processed_count = _count()
    processing_days_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    processed = _count()
    with_electronic_result = _count()
    digitised = _count()
    national_resolved_early = _count()
    national_resolved_on_time = _count()
    national_resolved_late = _count()
    ratings = _count()
    rating_points = _count()
    satisfied = _count()
    dissatisfied = _count()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "procedure"], name="dossier_dailyfig_cell_uniq")
        ]
        indexes = [models.Index(fields=["agency", "day"], name="dossier_dailyfig_agency_idx")]


class OpenFigures(_Cell):
    """Dossiers open at the end of ``day`` (received, not ended), per agency and procedure."""

    in_progress = _count()
    in_progress_in_time = _count()
    in_progress_overdue = _count()
    national_in_progress_in_time = _count()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "agency", "procedure"], name="dossier_openfig_cell_uniq")
        ]
