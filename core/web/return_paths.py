"""Return paths (``next=``, notification links): whatever a visitor or a stored row says, we only ever send the
browser to a path on this site.

The locale prefix is removed FIRST and the rest checked afterwards: checking first let ``/nl//evil.test`` through,
which became the protocol-relative ``//evil.test`` once the prefix was gone. ``redirect()`` puts the request's
own locale prefix back.
"""

from __future__ import annotations

from core.settings import SUPPORTED_LOCALES

MAX_RETURN_PATH = 500
_FORBIDDEN = frozenset("\\\r\n\t\x00")


def is_same_origin_path(target: str) -> bool:
    """A path that every browser resolves against this origin: ``/x``, never ``//host``, ``/\\host`` or ``x:``."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > MAX_RETURN_PATH:
        return False
    if any(c in _FORBIDDEN or ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    return ":" not in target.split("?", 1)[0]


def same_origin_path(raw: str | None) -> str:
    """The path to return to without its locale prefix, or "" when it is not a same-origin path."""
    target = (raw or "").strip()
    if target.startswith("/"):
        head, sep, rest = target[1:].partition("/")
        if head.split("?", 1)[0] in SUPPORTED_LOCALES:
            query = head.partition("?")[2] if not sep else ""
            target = "/" + rest + (f"?{query}" if query else "")
    return target if is_same_origin_path(target) else ""
