"""The registry of payment providers: the built-in sandbox, plus any listed in PAYMENT_PROVIDERS."""

from __future__ import annotations

from django.utils.module_loading import import_string

from tinhso.payments import conf
from tinhso.payments.errors import UnknownProvider
from tinhso.payments.providers.base import PaymentProvider

BUILT_IN = {"sandbox": "tinhso.payments.providers.sandbox.SandboxProvider"}


def provider_paths() -> dict[str, str]:
    return {**BUILT_IN, **conf.extra_providers()}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called ``name``, or the configured default (PAYMENT_PROVIDER)."""
    name = (name or conf.provider_name()).strip()
    path = provider_paths().get(name)
    if path is None:
        raise UnknownProvider(details={"provider": name[:30]})
    cls = import_string(path)
    if not (isinstance(cls, type) and issubclass(cls, PaymentProvider)) or cls.name != name:
        raise TypeError(f"{path} is not a PaymentProvider named {name!r}")
    return cls()


def provider_names() -> list[str]:
    return sorted(provider_paths())
