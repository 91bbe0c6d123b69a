"""Statistics of the one-stop office and the national Service Index figures (Decision 766/QĐ-TTg).

    from tinhso.dossiers.stats import dossier_stats, service_index, export_stats_xlsx

Importing the package registers the ``dossiers.view_stats`` permission.
"""

from tinhso.dossiers.stats import permissions as _permissions  # noqa: F401  (registers the rule)
from tinhso.dossiers.stats.index import Indicator, ServiceIndexReport, service_index
from tinhso.dossiers.stats.selectors import StatsRow, dossier_stats
from tinhso.dossiers.stats.xlsx import export_stats_xlsx

__all__ = [
    "Indicator",
    "ServiceIndexReport",
    "StatsRow",
    "dossier_stats",
    "export_stats_xlsx",
    "service_index",
]
