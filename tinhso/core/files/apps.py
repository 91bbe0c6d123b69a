from tinhso.core.appconfig import TinhsoAppConfig


class FilesConfig(TinhsoAppConfig):
    name = "tinhso.core.files"
    label = "files"
