from tinhso.core.appconfig import TinhsoAppConfig


class OpsConfig(TinhsoAppConfig):
    name = "tinhso.core.ops"
    label = "ops"
