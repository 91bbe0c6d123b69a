from tinhso.core.appconfig import TinhsoAppConfig


class OpsConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.ops"
    label = "ops"
