"""The operations center's read models, kept up to date from the modules' domain events.

* ``Counter``: how many times a metric happened on a local day, per agency, administrative unit
  and subject (a procedure code for the one-stop office), also rolled up by month and without
  the subject (``Grain``). Every KPI of the dashboard is a sum or
  a ratio of sums of counters, so a screen reads a few thousand rows whatever the number of
  dossiers behind them.
* ``OpenItem``: what is open right now (a dossier received and not ended), with its deadline, so
  "in progress" and "overdue now" are counts over a table the size of the current workload.
* ``AlertRule`` / ``Alert`` / ``AlertLog``: thresholds set by operators, the alerts they raise
  and everything that happened to each alert.

Only ``tinhso.ioc.services`` writes these tables. Agency and unit are plain ids (0: none), not
foreign keys: a read model must never block a change to the data it summarises.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Grain(models.TextChoices):
    """The same increments kept at four grains, so a year reads months and a day reads days."""

    DAY = "d", "day × agency × subject"
    DAY_AGENCY = "da", "day × agency"
    MONTH = "m", "month × agency × subject"
    MONTH_AGENCY = "ma", "month × agency"


class Counter(models.Model):
    grain = models.CharField(max_length=2, choices=Grain.choices, default=Grain.DAY)
    source = models.CharField(max_length=40)
    metric = models.CharField(max_length=80)
    day = models.DateField()
    """The day, or the first day of the month for the month grains."""
    agency_id = models.BigIntegerField(default=0)
    unit_id = models.BigIntegerField(default=0)
    subject = models.CharField(max_length=80, blank=True, default="")
    """The source's grouping (a procedure code); empty at the agency grains."""
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "metric", "day", "agency_id", "unit_id", "subject"],
                name="ioc_counter_cell_uniq",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "day", "metric"], name="ioc_counter_day_idx"),
            models.Index(fields=["source"], name="ioc_counter_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.day} a{self.agency_id} u{self.unit_id} {self.subject}: {self.value}"


class OpenItem(models.Model):
    source = models.CharField(max_length=40)
    key = models.CharField(max_length=80)
    agency_id = models.BigIntegerField(default=0)
    unit_id = models.BigIntegerField(default=0)
    subject = models.CharField(max_length=80, blank=True, default="")
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="ioc_open_item_uniq")]
        indexes = [models.Index(fields=["source", "due_at"], name="ioc_open_item_due_idx")]

    def __str__(self) -> str:
        return f"{self.source}:{self.key}"


class Comparison(models.TextChoices):
    ABOVE = "above", _("Lớn hơn")
    BELOW = "below", _("Nhỏ hơn")


class Window(models.TextChoices):
    NOW = "now", _("Hiện tại")
    TODAY = "today", _("Hôm nay")
    MONTH = "month", _("Tháng này")
    YEAR = "year", _("Năm nay")


class Severity(models.TextChoices):
    INFO = "info", _("Thông tin")
    WARNING = "warning", pgettext_lazy("alert severity", "Cảnh báo")
    CRITICAL = "critical", _("Nghiêm trọng")


class AlertRule(models.Model):
    """ "Alert when KPI ``kpi`` of ``agency`` (the whole province if empty) over ``window`` is
    above/below ``threshold``"."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kpi = models.CharField(max_length=80)
    agency_id = models.BigIntegerField(default=0)
    window = models.CharField(max_length=10, choices=Window.choices, default=Window.NOW)
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    threshold = models.DecimalField(max_digits=14, decimal_places=4)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AlertState(models.TextChoices):
    OPEN = "open", _("Đang mở")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("alert", "Đã tiếp nhận")
    CLEARED = "cleared", _("Đã hết")


class Alert(models.Model):
    """One crossing of a rule's threshold, from the moment it fired until the KPI came back."""

    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    state = models.CharField(max_length=15, choices=AlertState.choices, default=AlertState.OPEN)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    """The KPI's value when last evaluated."""
    threshold = models.DecimalField(max_digits=14, decimal_places=4)
    opened_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            # At most one alert not yet cleared per rule: evaluating twice never opens two.
            models.UniqueConstraint(
                fields=["rule"], condition=~models.Q(state="cleared"), name="ioc_alert_one_live_per_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.opened_at:%Y-%m-%d %H:%M} ({self.state})"


class AlertLog(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)  # opened, acknowledged, cleared, value
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"
