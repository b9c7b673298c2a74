"""Who is asking (session cookie, API token or the proxy's header), the
headers every response carries, and the bound on request bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import attrs
import sqlalchemy as sa
from starlette.requests import Request

from kokdsl.errors import KokError, RequestRefused
from kokdsl.serve import auth
from kokdsl.serve.db import User
from kokdsl.serve.state import AppState

SESSION_COOKIE = "kok_session"
LANG_COOKIE = "kok_lang"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'")
_INLINE = re.compile(r"<(style|script)(\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def not_signed_in() -> RequestRefused:
    return RequestRefused("serve.error.not_signed_in", 401)


def forbidden() -> RequestRefused:
    return RequestRefused("serve.error.forbidden", 403)


@attrs.frozen
class Identity:
    user: User
    csrf: str | None  # the CSRF token forms must carry; None for an API token (no ambient credential)
    via: str  # "session", "token" or "sso"


def identify(request: Request, state: AppState) -> Identity:
    """The signed-in user; RequestRefused (401) when there is none, 403 for a stranger the proxy names."""
    header = request.headers.get("authorization", "")
    with state.sessions() as db:
        if header.lower().startswith("bearer "):
            user = auth.token_user(db, header[7:].strip())
            if user is None:
                raise not_signed_in()
            return Identity(user, None, "token")
        sso = state.settings.sso_header
        if sso and request.headers.get(sso):
            user = db.scalar(sa.select(User).where(User.name == request.headers[sso].strip()))
            if user is None:
                raise forbidden()
            # The proxy adds the header to every request of the browser, a forged one too: forms still need a token.
            return Identity(user, sso_csrf(state, user.name), "sso")
        cookie = request.cookies.get(SESSION_COOKIE)
        found = auth.session_user(db, cookie) if cookie else None
        if found is None:
            raise not_signed_in()
        return Identity(found[0], found[1].csrf, "session")


def sso_csrf(state: AppState, name: str) -> str:
    """The CSRF token of a user signed in by the proxy's header: keyed by the server's secret."""
    return hmac.new(state.secret(), f"sso-csrf:{name}".encode(), hashlib.sha256).hexdigest()


def require(identity: Identity, permission: str) -> None:
    if not auth.may(identity.user, permission):
        raise forbidden()


def document_csp(html: str) -> str:
    """A policy for one of kokdsl's self-contained documents (a letter, a book,
    an overview): its own inline styles and scripts allowed by their hashes,
    nothing else inline (no 'unsafe-inline')."""
    hashes: dict[str, list[str]] = {"style": [], "script": []}
    for kind, attributes, body in _INLINE.findall(html):
        if kind.lower() == "script" and "application/json" in (attributes or ""):
            continue  # data, never run
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        hashes[kind.lower()].append(f"'sha256-{digest}'")
    return (f"default-src 'none'; style-src {' '.join(hashes['style']) or chr(39) + 'none' + chr(39)}; "
            f"script-src {' '.join(hashes['script']) or chr(39) + 'none' + chr(39)}; img-src data:; "
            "frame-ancestors 'self'; form-action 'none'; base-uri 'none'")


class Guard:
    """ASGI middleware: every response gets the security headers (a page's
    own policy kept when it set one), and a request body over the limit is
    refused with 413 before it is read whole."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _too_large(send)
            return
        seen = 0

        async def bounded_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise _BodyTooLarge()
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                         (b"x-frame-options", b"SAMEORIGIN"), (b"cache-control", b"no-store")]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", CSP.encode()))
                message["headers"] = headers + [(k, v) for k, v in extra if k not in names]
            await send(message)

        try:
            await self.app(scope, bounded_receive, with_headers)
        except _BodyTooLarge:
            await _too_large(send)


class _BodyTooLarge(KokError):
    """The request's body grew past the limit while it was read."""


async def _too_large(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-security-policy", CSP.encode())]})
    await send({"type": "http.response.body", "body": b'{"error": "request body too large"}'})
