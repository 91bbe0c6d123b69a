import importlib
import importlib.util

from django.apps import apps

from tinhso.core.appconfig import TinhsoAppConfig


class FilesConfig(TinhsoAppConfig):
    default = True
    name = "tinhso.core.files"
    label = "files"

    def ready(self) -> None:
        super().ready()
        # The platform purposes, then each app's own: every app may hold a `file_purposes.py`
        # that calls register_purpose(), so purposes are known before the first upload.
        importlib.import_module("tinhso.core.files.purposes")
        for config in apps.get_app_configs():
            module = f"{config.name}.file_purposes"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
