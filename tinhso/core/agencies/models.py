"""Agencies (cơ quan, đơn vị): the tree of bodies that own procedures, dossiers and documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    PROVINCIAL_COMMITTEE = "provincial_committee", _("UBND tỉnh/thành phố")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    DISTRICT_COMMITTEE = "district_committee", _("UBND cấp huyện")
    COMMUNE_COMMITTEE = "commune_committee", _("UBND cấp xã")
    DIVISION = "division", _("Phòng, ban, đơn vị trực thuộc")
    SERVICE_CENTER = "service_center", _("Trung tâm phục vụ hành chính công")
    OTHER = "other", _("Khác")


class Agency(models.Model):
    # Electronic identifier code (mã định danh điện tử) of the agency, used in document
    # exchange and dossier codes, e.g. "000.00.00.H23".
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=255)
    short_name = models.CharField(
        max_length=40, blank=True, help_text="Abbreviation used in document symbols"
    )
    kind = models.CharField(max_length=30, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="agencies"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name
