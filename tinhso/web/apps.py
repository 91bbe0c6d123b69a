from tinhso.core.appconfig import TinhsoAppConfig


class WebConfig(TinhsoAppConfig):
    name = "tinhso.web"
    label = "web"
