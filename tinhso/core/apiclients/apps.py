from tinhso.core.appconfig import TinhsoAppConfig


class ApiclientsConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.apiclients"
    label = "apiclients"
