from tinhso.core.appconfig import TinhsoAppConfig


class EventsConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.events"
    label = "events"
