"""The UI shell: public home, sign-in with two-factor for officers, the workspace, the account page."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tinhso.core.accounts import services as accounts
from tinhso.core.accounts.models import Role, User
from tinhso.core.agencies.models import Agency
from tinhso.core.audit import services as audit
from tinhso.core.errors import DomainError
from tinhso.core.ops.access import permission_view, public_view
from tinhso.core.permissions import ANONYMOUS, as_principal, can

PENDING_USER_KEY = "tinhso_pending_user"
PENDING_NEXT_KEY = "tinhso_pending_next"
OTP_FAILURES_KEY = "tinhso_otp_failures"
MAX_OTP_FAILURES = 5


def _safe_next(request: HttpRequest, fallback: str = "web:workspace") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    from django.urls import reverse

    return reverse(fallback)


@public_view
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def _resolve_username(raw: str) -> str:
    """Citizens may type their 12-digit ID number; it maps to their opaque username."""
    raw = (raw or "").strip()
    digits = raw.replace(" ", "").replace(".", "")
    if digits.isdigit() and len(digits) == 12:
        citizen = accounts.find_citizen(digits)
        if citizen is not None:
            return citizen.username
    return raw.lower()


def _two_factor_required() -> bool:
    return settings.OFFICER_TWO_FACTOR == "required"


@public_view
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    from tinhso.web.forms import LoginForm

    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=_resolve_username(form.cleaned_data["username"]),
            password=form.cleaned_data["password"],
        )
        if user is None:
            audit_failed_login(request)
            form.add_error(None, _("Sai tên đăng nhập hoặc mật khẩu."))
        elif user.is_officer and (accounts.has_confirmed_totp(user) or _two_factor_required()):
            # The session only becomes a signed-in one after the second factor.
            request.session.cycle_key()
            request.session[PENDING_USER_KEY] = user.pk
            request.session[PENDING_NEXT_KEY] = _safe_next(request)
            request.session[OTP_FAILURES_KEY] = 0
            if accounts.has_confirmed_totp(user):
                return redirect("web:login_otp")
            return redirect("web:enroll_otp")
        else:
            login(request, user)
            return redirect(_safe_next(request, "web:workspace" if user.is_officer else "web:account"))
    expired = request.GET.get("expired") == "1"
    return render(
        request, "web/login.html", {"form": form, "expired": expired, "next": request.GET.get("next", "")}
    )


def audit_failed_login(request: HttpRequest) -> None:
    # The attempted username may be a citizen ID number: never record it.
    from django.db import transaction

    with transaction.atomic():
        audit.record(actor=ANONYMOUS, action="accounts.login_failed", changes={"channel": "web"})


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER_KEY)
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _finish_login(request: HttpRequest, user: User, device: TOTPDevice) -> HttpResponse:
    next_url = request.session.get(PENDING_NEXT_KEY) or "/"
    for key in (PENDING_USER_KEY, PENDING_NEXT_KEY, OTP_FAILURES_KEY):
        request.session.pop(key, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    return redirect(next_url)


def _otp_failed(request: HttpRequest) -> bool:
    """Count a wrong code; after too many the half-finished sign-in is thrown away."""
    failures = int(request.session.get(OTP_FAILURES_KEY, 0)) + 1
    request.session[OTP_FAILURES_KEY] = failures
    if failures >= MAX_OTP_FAILURES:
        request.session.flush()
        return True
    return False


@public_view
@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    from tinhso.web.forms import OtpForm

    user = _pending_user(request)
    if user is None:
        return redirect("web:login")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"].strip()
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(token):
                return _finish_login(request, user, device)
        if _otp_failed(request):
            messages.error(request, _("Nhập sai mã quá nhiều lần. Vui lòng đăng nhập lại."))
            return redirect("web:login")
        form.add_error("otp_token", _("Mã xác thực không đúng hoặc đã hết hạn."))
    return render(request, "web/login_otp.html", {"form": form})


def _qr_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=5, dark="#1b1f24", light="#ffffff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@public_view
@require_http_methods(["GET", "POST"])
def enroll_otp(request: HttpRequest) -> HttpResponse:
    """First sign-in of an officer without a device: show the key, confirm one code, then sign in."""
    from tinhso.web.forms import OtpForm

    user = _pending_user(request)
    if user is None:
        return redirect("web:login")
    device = accounts.pending_totp_device(user)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = accounts.confirm_totp_enrollment(
                actor=user, user=user, token=form.cleaned_data["otp_token"]
            )
        except DomainError as error:
            if _otp_failed(request):
                messages.error(request, _("Nhập sai mã quá nhiều lần. Vui lòng đăng nhập lại."))
                return redirect("web:login")
            form.add_error(
                "otp_token", error.message_en if request.LANGUAGE_CODE == "en" else error.message_vi
            )
        else:
            return _finish_login(request, user, confirmed)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "web/enroll_otp.html",
        {"form": form, "secret": secret, "qr": _qr_data_uri(device.config_url)},
    )


@public_view
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")


@permission_view("web.workspace")
def workspace(request: HttpRequest) -> HttpResponse:
    principal = as_principal(request.user)
    agency_ids = list(principal.role_map)
    agencies = {a.id: a for a in Agency.objects.filter(id__in=agency_ids).select_related("unit")}
    role_labels = dict(Role.choices)
    memberships = [
        {
            "agency": agencies[agency_id],
            "roles": [
                {"label": role_labels.get(role, role), "covers": covers}
                for role, covers in sorted(held.items())
            ],
        }
        for agency_id, held in principal.role_map.items()
        if agency_id in agencies
    ]
    memberships.sort(key=lambda m: m["agency"].name)
    return render(
        request,
        "web/workspace.html",
        {
            "memberships": memberships,
            "can_admin": can(request.user, "web.admin"),
            "two_factor": accounts.has_confirmed_totp(request.user),
        },
    )


@permission_view("accounts.view_self")
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    from tinhso.web.forms import PasswordChangeForm

    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_password(
                actor=request.user,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except DomainError as error:
            form.add_error(None, error.message_en if request.LANGUAGE_CODE == "en" else error.message_vi)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, request.user)
            messages.success(request, _("Đã đổi mật khẩu."))
            return redirect("web:account")
    return render(request, "web/account.html", {"form": form})


@public_view
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    from tinhso.web.forms import RegisterForm

    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.register_citizen(actor=ANONYMOUS, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message_en if request.LANGUAGE_CODE == "en" else error.message_vi)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Đã tạo tài khoản."))
            return redirect("web:account")
    return render(request, "web/register.html", {"form": form})


def login_locked_out(request: HttpRequest, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes calls this when a username+IP pair is locked after repeated failures."""
    response = render(
        request, "web/locked_out.html", {"minutes": int(settings.AXES_COOLOFF_TIME * 60)}, status=429
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME * 3600))
    return response


def render_forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": _("Không có quyền truy cập"), "message": _("Bạn không có quyền truy cập trang này.")},
        status=403,
    )
