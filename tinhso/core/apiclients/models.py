"""Machine access to the API: OAuth2 clients, the access tokens issued to them, personal access tokens.

No secret is ever stored: client secrets and tokens are kept as SHA-256 digests of high-entropy
random strings (see :mod:`tinhso.core.apiclients.credentials`), plus a short prefix so that a
person can recognise a token in a list without being able to use it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tinhso.core.permissions import ANONYMOUS, Principal


class ApiClient(models.Model):
    """Another system calling the API with OAuth2 client credentials (RFC 6749 §4.4)."""

    client_id = models.CharField(max_length=40, unique=True, editable=False)
    name = models.CharField(_("tên ứng dụng"), max_length=150)
    agency = models.ForeignKey(
        "agencies.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="When set, the client acts only on this agency's objects.",
    )
    scopes = models.JSONField(default=list, help_text="The scopes this client may request.")
    secret_hash = models.CharField(max_length=64, editable=False)
    secret_prefix = models.CharField(max_length=12, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "client_id"]
        verbose_name = _("ứng dụng kết nối API")
        verbose_name_plural = _("ứng dụng kết nối API")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    def to_principal(self, scopes: frozenset[str] | None = None) -> Principal:
        """The client as an actor; ``scopes`` narrows it to what one access token was granted."""
        if not self.is_active:
            return ANONYMOUS
        return Principal(
            kind="client",
            id=self.client_id,
            label=self.name,
            client=self,
            scopes=frozenset(self.scopes) if scopes is None else frozenset(scopes),
        )


class AccessToken(models.Model):
    """A short-lived bearer token issued to an :class:`ApiClient` at the token endpoint."""

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="access_tokens")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="apiclients_token_expiry")]
        verbose_name = _("mã truy cập của ứng dụng")
        verbose_name_plural = _("mã truy cập của ứng dụng")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.client.name})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class PersonalAccessToken(models.Model):
    """A person's own token for scripts: it carries the owner's rights narrowed to its scopes."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_access_tokens"
    )
    name = models.CharField(_("tên mã"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=12, editable=False)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mã truy cập cá nhân")
        verbose_name_plural = _("mã truy cập cá nhân")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
