from tinhso.core.appconfig import TinhsoAppConfig


class AccountsConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.accounts"
    label = "accounts"
