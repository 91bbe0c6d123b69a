from tinhso.core.appconfig import TinhsoAppConfig


class AccountsConfig(TinhsoAppConfig):
    name = "tinhso.core.accounts"
    label = "accounts"
