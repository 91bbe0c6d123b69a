"""The registry is loaded only by ``services.load_units`` (``tinhso units load``): read-only here."""

from django.contrib import admin

from tinhso.core.units.models import AdministrativeUnit, UnitSuccession


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SuccessionOutInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "predecessor"
    fields = ["successor", "effective_on", "is_partial", "derived"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Successors"

    def has_add_permission(self, request, obj=None):
        return False


class SuccessionInInline(SuccessionOutInline):
    fk_name = "successor"
    fields = ["predecessor", "effective_on", "is_partial", "derived"]
    readonly_fields = fields
    verbose_name_plural = "Predecessors"


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "structure", "level", "division_type", "parent", "valid_from", "valid_to"]
    list_filter = ["structure", "level", "division_type"]
    # search_name holds the name without diacritics, so "phung hiep" finds "Phụng Hiệp".
    search_fields = ["code", "name", "search_name"]
    list_select_related = ["parent"]
    inlines = [SuccessionOutInline, SuccessionInInline]


@admin.register(UnitSuccession)
class UnitSuccessionAdmin(ReadOnlyAdmin):
    list_display = ["predecessor", "successor", "effective_on", "is_partial", "derived"]
    list_filter = ["effective_on", "is_partial", "derived", "predecessor__level"]
    search_fields = [
        "predecessor__code",
        "predecessor__search_name",
        "successor__code",
        "successor__search_name",
    ]
    list_select_related = ["predecessor", "successor"]
