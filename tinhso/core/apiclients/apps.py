from tinhso.core.appconfig import TinhsoAppConfig


class ApiclientsConfig(TinhsoAppConfig):
    name = "tinhso.core.apiclients"
    label = "apiclients"
