from tinhso.core.appconfig import TinhsoAppConfig


class DemoConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.demo"
    label = "demo"
