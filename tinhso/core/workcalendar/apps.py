from tinhso.core.appconfig import TinhsoAppConfig


class WorkcalendarConfig(TinhsoAppConfig):
    name = "tinhso.core.workcalendar"
    label = "workcalendar"
