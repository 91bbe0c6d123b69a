from tinhso.core.appconfig import TinhsoAppConfig


class AgenciesConfig(TinhsoAppConfig):
    name = "tinhso.core.agencies"
    label = "agencies"
