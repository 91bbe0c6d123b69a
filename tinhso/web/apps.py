from tinhso.core.appconfig import TinhsoAppConfig


class WebConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.web"
    label = "web"
