from tinhso.core.appconfig import TinhsoAppConfig


class AuditConfig(TinhsoAppConfig):
    name = "tinhso.core.audit"
    label = "audit"
