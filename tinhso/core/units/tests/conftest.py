"""The Cần Thơ merger group: legacy Cần Thơ (92), Hậu Giang (93), Sóc Trăng (94) and current
Cần Thơ (92). Loading ["93", "92"] brings in all four; it keeps tests fast while covering
every kind of succession."""

import pytest

from tinhso.core.permissions import SYSTEM
from tinhso.core.units import services


@pytest.fixture
def can_tho(db):
    return services.load_units(actor=SYSTEM, province_codes=["93", "92"])
