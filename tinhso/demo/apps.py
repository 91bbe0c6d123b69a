from tinhso.core.appconfig import TinhsoAppConfig


class DemoConfig(TinhsoAppConfig):
    name = "tinhso.demo"
    label = "demo"
