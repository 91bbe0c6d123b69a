import io
import json
import logging

import pytest
from django.conf import settings
from django.utils.module_loading import import_string


def _build(config: dict):
    options = {key: value for key, value in config.items() if key != "()"}
    return import_string(config["()"])(**options)


class JsonLog:
    """The lines the configured JSON formatter and filters write for one logger, parsed."""

    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def json_log():
    """Capture what the production console handler would write, using settings.LOGGING's own
    JSON formatter and filters (whatever LOG_FORMAT this test run has)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_build(settings.LOGGING["formatters"]["json"]))
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(_build(settings.LOGGING["filters"][name]))
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("tinhso.request", "tinhso.test", "django.request")]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield JsonLog(stream)
    finally:
        for logger, level in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
