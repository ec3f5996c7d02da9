"""Response headers that make the browser enforce what the server promises (no inline script, no framing)."""

from __future__ import annotations

import re
from typing import Any

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


def framing_headers(origin: str) -> dict[str, str]:
    """Headers for a page that embeds one outside origin (``https://meet.example.org``) in an ``<iframe>``: the
    policy's ``frame-src`` names it, and camera, microphone and screen sharing are delegated to it alone. Everything
    else stays as strict as on every page. A method passes these to ``render(..., headers=...)``.
    """
    if not re.fullmatch(r"https://[a-z0-9.-]{1,253}(:\d{1,5})?", origin):
        raise ValueError(f"not an https origin: {origin!r}")
    policy = CSP.replace("object-src 'none'", f"object-src 'none'; frame-src {origin}")
    delegated = f'(self "{origin}")'
    permissions = f"camera={delegated}, microphone={delegated}, display-capture={delegated}, geolocation=(self)"
    return {"Content-Security-Policy": policy, "Permissions-Policy": permissions}


# Every dynamic page carries the visitor's CSRF token and often their name or personal data: no cache (browser
# back-forward cache, shared proxy) may keep it unless the handler chose a policy itself (e.g. a public API's ETag).
NO_STORE = (b"cache-control", b"no-store")


def _frames_allowed(headers: list[tuple[bytes, bytes]]) -> bool:
    """True when the handler chose a policy that lets some origin frame the page (X-Frame-Options would forbid it)."""
    for name, value in headers:
        if name.lower() == b"content-security-policy":
            return b"frame-ancestors 'none'" not in value
    return False


def with_security_headers(send: Any, *, hsts: bool, dynamic: bool = True) -> Any:
    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", [])
            present = {name.lower() for name, _ in headers}
            extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
            if _frames_allowed(headers):  # the widget (core/web/embed.py): its CSP names who may frame it
                extra = [(k, v) for k, v in extra if k != b"x-frame-options"]
            if dynamic and NO_STORE[0] not in present:
                extra.append(NO_STORE)
            if hsts:
                extra.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return wrapped
