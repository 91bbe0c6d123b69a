from tinhso.core.appconfig import TinhsoAppConfig


class FilesConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.files"
    label = "files"
