from tinhso.core.appconfig import TinhsoAppConfig


class UnitsConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.units"
    label = "units"
