from tinhso.core.appconfig import TinhsoAppConfig


class AuditConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.audit"
    label = "audit"
