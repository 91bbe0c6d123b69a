"""The AppConfig every tinhso app uses: it loads the app's permission rules and event subscribers."""

import importlib
import importlib.util

from django.apps import AppConfig


class TinhsoAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    autoload_modules = ("permissions", "subscribers")

    def ready(self) -> None:
        for module in self.autoload_modules:
            name = f"{self.name}.{module}"
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)
