"""Notification senders and message texts.

Every notification is first a ``Notification`` row: the database outbox, which the demo and the
officers' pages show. Delivering it is the job of the senders named in the setting
``DOSSIER_NOTIFICATION_SENDERS`` (dotted paths of :class:`Sender` subclasses, one per channel):

* default ``[]``: nothing is sent; rows are stored with status ``outbox``;
* ``"tinhso.dossiers.notifications.EmailSender"``: e-mail through Django's mail settings
  (``EMAIL_BACKEND``, ``EMAIL_HOST``..., ``DEFAULT_FROM_EMAIL``);
* SMS: :class:`SmsSender` is only an interface. No SMS gateway is integrated; a province plugs its
  operator's or brandname provider's API by subclassing it and naming the subclass here.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from tinhso.core.workcalendar import arithmetic
from tinhso.dossiers.models import Dossier, NotificationChannel


class Sender:
    """Delivers one message on one channel; raises on failure (the row is then marked failed)."""

    channel: str = ""
    name: str = ""

    def send(self, *, recipient: str, subject: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class EmailSender(Sender):
    channel = NotificationChannel.EMAIL
    name = "django-mail"

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [recipient], fail_silently=False)


class SmsSender(Sender):
    """Interface for an SMS gateway. Not implemented: there is no gateway in this platform."""

    channel = NotificationChannel.SMS
    name = "sms"

    def send(self, *, recipient: str, subject: str, body: str) -> None:
        raise NotImplementedError("No SMS gateway is configured: subclass SmsSender with the provider's API")


@cache
def _load(paths: tuple[str, ...]) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    for path in paths:
        sender = import_string(path)()
        if not isinstance(sender, Sender) or not sender.channel:
            raise TypeError(f"{path} is not a dossier notification Sender")
        senders[sender.channel] = sender
    return senders


def configured_senders() -> dict[str, Sender]:
    return _load(tuple(getattr(settings, "DOSSIER_NOTIFICATION_SENDERS", ()) or ()))


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    return f"*******{phone[-4:]}" if phone else ""


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(arithmetic.TZ).strftime("%H:%M ngày %d/%m/%Y")


def applicant_message(kind: str, dossier: Dossier, **context) -> tuple[str, str]:
    """Subject and body (Vietnamese) of a message to the applicant about ``dossier``."""
    head = f"Hồ sơ {dossier.code} — {dossier.procedure_name}"
    if kind == "received":
        return (
            f"Đã tiếp nhận hồ sơ {dossier.code}",
            f"{head}\nđã được tiếp nhận lúc {_when(dossier.received_at)}.\n"
            f"Ngày hẹn trả kết quả: {_when(dossier.appointment_at)}.",
        )
    if kind == "supplement_requested":
        return (
            f"Yêu cầu bổ sung hồ sơ {dossier.code}",
            f"{head}\ncần được bổ sung, hoàn thiện.\nNội dung: {context.get('reason', '')}\n"
            "Thời gian chờ bổ sung không tính vào thời hạn giải quyết.",
        )
    if kind == "refused":
        return (
            f"Từ chối tiếp nhận hồ sơ {dossier.code}",
            f"{head}\nkhông được tiếp nhận. Lý do: {context.get('reason', '')}",
        )
    if kind == "result_ready":
        return (
            f"Đã có kết quả hồ sơ {dossier.code}",
            f"{head}\nđã được giải quyết xong. Kết quả sẽ được trả theo hình thức: "
            f"{dossier.get_result_delivery_display()}.",
        )
    if kind == "extended":
        return (
            f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {dossier.code}",
            f"{head}\nchưa giải quyết xong đúng hẹn. Cơ quan giải quyết xin lỗi và hẹn lại ngày trả kết quả: "
            f"{_when(context.get('new_appointment_at'))}.\nLý do: {context.get('reason', '')}",
        )
    raise ValueError(f"unknown notification kind {kind!r}")


def officer_message(
    kind: str, dossier: Dossier, step_name: str, due_at: dt.datetime | None
) -> tuple[str, str]:
    if kind == "step_due_soon":
        return (
            f"Sắp đến hạn xử lý hồ sơ {dossier.code}",
            f"Bước “{step_name}” của hồ sơ {dossier.code} ({dossier.procedure_name}) đến hạn lúc {_when(due_at)}.",
        )
    if kind == "step_overdue":
        return (
            f"Quá hạn xử lý hồ sơ {dossier.code}",
            f"Bước “{step_name}” của hồ sơ {dossier.code} ({dossier.procedure_name}) đã quá hạn từ {_when(due_at)}.",
        )
    raise ValueError(f"unknown notification kind {kind!r}")
