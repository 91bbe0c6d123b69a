"""Loaded at start-up (TinhsoAppConfig.autoload_modules): the IOC's own event subscribers."""

from tinhso.ioc import alerts  # noqa: F401  (evaluate the alert rules after one-stop events)
