from tinhso.core.appconfig import TinhsoAppConfig


class DossiersConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.dossiers"
    label = "dossiers"
