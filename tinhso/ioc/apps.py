from tinhso.core.appconfig import TinhsoAppConfig


class IocConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.ioc"
    label = "ioc"
