"""Calling the token endpoint the way an integrating system would."""

import base64
from urllib.parse import urlencode

TOKEN_URL = "/api/v1/oauth/token"
FORM = "application/x-www-form-urlencoded"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def request_token(http, client_id, secret, *, scope=None, use_basic=True, ip="10.0.0.1", **extra):
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    headers = {}
    if use_basic:
        headers["HTTP_AUTHORIZATION"] = basic(client_id, secret)
    else:
        data |= {"client_id": client_id, "client_secret": secret}
    data |= extra
    return http.post(TOKEN_URL, data=urlencode(data), content_type=FORM, REMOTE_ADDR=ip, **headers)
