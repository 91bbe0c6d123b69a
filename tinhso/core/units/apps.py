from tinhso.core.appconfig import TinhsoAppConfig


class UnitsConfig(TinhsoAppConfig):
    name = "tinhso.core.units"
    label = "units"
