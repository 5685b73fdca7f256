"""The web's guards: a CSRF token on every form (double-submit cookie) and the headers every page carries.

A form is accepted only when the token it posts equals the one in the browser's
cookie: another site can make a browser post, but can neither read nor set this
site's cookie, so it cannot know the token.  The cookie is ``SameSite=Strict`` too.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

__all__ = ["COOKIE", "FIELD", "HEADER", "HEADERS", "CsrfRefused", "matches", "new_token"]

COOKIE = "kpitrack_csrf"
FIELD = "csrf"  # the hidden field of every form
HEADER = "x-csrf-token"  # htmx requests may send it as a header instead

HEADERS = {
    # every script and style is the package's own: no inline script runs, no CDN is reachable
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


class CsrfRefused(Exception):
    """A POST without the token of the browser's cookie: refused before anything is read or written."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def matches(request: Request) -> bool:
    """Whether the request posts (field or header) the token its cookie holds."""
    expected = request.cookies.get(COOKIE, "")
    sent = request.headers.get(HEADER, "")
    if not sent:
        # read the body first: the middleware's request then keeps it for the route, which reads the form again
        await request.body()
        async with request.form() as form:
            value = form.get(FIELD, "")
            sent = value if isinstance(value, str) else ""
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())
