"""Days the province declares different from the national calendar (the `holidays` package).

Public holidays, their observed days and the government's known swaps come from `holidays.Vietnam`;
a :class:`CalendarOverride` records what the package does not know: a swap announced after the
package was released, or a day off the province itself declares.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OverrideKind(models.TextChoices):
    DAY_OFF = "day_off", _("Ngày nghỉ")
    WORKING_DAY = "working_day", _("Ngày làm việc (làm bù)")


class CalendarOverride(models.Model):
    """One date whose working status differs from the national calendar."""

    day = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=12, choices=OverrideKind.choices)
    reason = models.CharField(_("lý do"), max_length=255)
    legal_basis = models.TextField(
        _("căn cứ pháp lý"),
        blank=True,
        help_text=_("Số, ngày, cơ quan ban hành văn bản quyết định ngày này."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("ngày điều chỉnh lịch làm việc")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} — {self.get_kind_display()}"
