"""Administrative units (đơn vị hành chính) as a versioned registry.

Two structures coexist: the three-tier one (province, district, commune) valid until
30 June 2025 and the two-tier one (province, commune/ward) from 1 July 2025. A unit is never
deleted or renamed in place: it has validity dates and links to the units it became, so data
recorded under the former structure stays countable under both.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh/Thành phố trực thuộc trung ương")
    DISTRICT = "district", _("Quận/Huyện/Thị xã/Thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Xã/Phường/Thị trấn/Đặc khu")


class Structure(models.TextChoices):
    LEGACY = "legacy", _("Trước 01/7/2025 (3 cấp)")
    CURRENT = "current", _("Từ 01/7/2025 (2 cấp)")


class AdministrativeUnit(models.Model):
    # Codes are the General Statistics Office codes, unique only within one structure
    # (a ward code may be reused by the 2025 reform), hence the structure in the key.
    structure = models.CharField(max_length=10, choices=Structure.choices)
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=120)
    division_type = models.CharField(max_length=40, help_text="e.g. tỉnh, huyện, thị xã, phường, xã")
    level = models.CharField(max_length=10, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    codename = models.CharField(max_length=120, blank=True)
    # The name lowercased without diacritics (đ -> d), so "phung hiep" finds "Huyện Phụng Hiệp".
    search_name = models.CharField(max_length=120, blank=True, db_index=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(
        null=True, blank=True, help_text="Last day the unit existed; empty if current"
    )
    successors = models.ManyToManyField(
        "self",
        through="UnitSuccession",
        symmetrical=False,
        related_name="predecessors",
        through_fields=("predecessor", "successor"),
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["structure", "code"], name="unit_code_unique_per_structure")
        ]
        indexes = [models.Index(fields=["level", "valid_from", "valid_to"])]
        ordering = ["structure", "code"]

    def __str__(self) -> str:
        return self.name


class UnitSuccession(models.Model):
    """``predecessor`` became (all or part of) ``successor`` on ``effective_on``."""

    predecessor = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="succession_out"
    )
    successor = models.ForeignKey(AdministrativeUnit, on_delete=models.CASCADE, related_name="succession_in")
    effective_on = models.DateField()
    is_partial = models.BooleanField(
        default=False, help_text="Only part of the predecessor went to the successor"
    )
    derived = models.BooleanField(
        default=False,
        help_text="Computed by the registry (an abolished district to the communes its communes became), "
        "not listed as such in the source",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique")
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on})"
