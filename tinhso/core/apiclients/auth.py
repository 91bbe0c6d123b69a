"""API authentication (first version: session only; the API-clients work adds bearer tokens)."""

from ninja.security import SessionAuth

DEFAULT_API_AUTH = [SessionAuth()]
