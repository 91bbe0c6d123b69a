from tinhso.core.appconfig import TinhsoAppConfig


class PaymentsConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.payments"
    label = "payments"
