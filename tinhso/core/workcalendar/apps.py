from tinhso.core.appconfig import TinhsoAppConfig


class WorkcalendarConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.workcalendar"
    label = "workcalendar"
