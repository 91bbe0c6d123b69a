from tinhso.core.appconfig import TinhsoAppConfig


class AgenciesConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.agencies"
    label = "agencies"
