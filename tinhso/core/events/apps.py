from tinhso.core.appconfig import TinhsoAppConfig


class EventsConfig(TinhsoAppConfig):
    name = "tinhso.core.events"
    label = "events"
