"""Event subscribers of the field-report module, loaded at start-up (``TinhsoAppConfig``)."""

# The field reports' data source of the operations center and its subscribers.
from tinhso.feedback import ioc_source  # noqa: E402, F401
