from tinhso.core.appconfig import TinhsoAppConfig


class FeedbackConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.feedback"
    label = "feedback"
