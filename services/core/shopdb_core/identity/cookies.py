"""Browser cookies: the access token (HttpOnly), the CSRF double-submit value (readable by the
page's script), and the refresh token (HttpOnly, sent only to /api/auth)."""

from __future__ import annotations

from fastapi import Response

from shopdb_contract.auth import access_cookie_name, csrf_cookie_name

REFRESH_PATH = "/api/auth"


def refresh_cookie_name(secure: bool) -> str:
    # `__Host-` needs Path=/; `__Secure-` still pins the cookie to HTTPS.
    return "__Secure-shopdb_refresh" if secure else "shopdb_refresh"


def set_login_cookies(
    response: Response, *, secure: bool, access_token: str, access_seconds: int,
    refresh_token: str, refresh_seconds: int, csrf_token: str,
) -> None:
    common = {"secure": secure, "samesite": "lax"}
    response.set_cookie(access_cookie_name(secure), access_token, max_age=access_seconds, httponly=True, path="/", **common)
    response.set_cookie(csrf_cookie_name(secure), csrf_token, max_age=refresh_seconds, httponly=False, path="/", **common)
    response.set_cookie(
        refresh_cookie_name(secure), refresh_token, max_age=refresh_seconds, httponly=True, path=REFRESH_PATH, **common
    )


def clear_login_cookies(response: Response, *, secure: bool) -> None:
    common = {"secure": secure, "samesite": "lax", "httponly": True}
    response.delete_cookie(access_cookie_name(secure), path="/", **common)
    response.delete_cookie(csrf_cookie_name(secure), path="/", **common)
    response.delete_cookie(refresh_cookie_name(secure), path=REFRESH_PATH, **common)
