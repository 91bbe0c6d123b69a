from tinhso.core.appconfig import TinhsoAppConfig


class ProceduresConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.procedures"
    label = "procedures"
