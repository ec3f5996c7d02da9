"""A real SMTP server for tests (aiosmtpd in a thread on a free local port) and browser-like form helpers.

A test module wires it in with three small fixtures::

    @pytest.fixture
    def smtp_server():
        yield from smtp.run_server()

    @pytest.fixture
    def inbox(smtp_server):
        return smtp_server[1]

    @pytest.fixture
    def townhall_settings(townhall_settings, smtp_server):
        return smtp.pointed_at(townhall_settings, smtp_server[0])
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import msgspec
from aiosmtpd.controller import Controller

LINK_RE = re.compile(r"https?://[^\s<>\"]+")


class Inbox:
    """The aiosmtpd handler: stores parsed messages with the envelope recipients they were delivered to."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=default_policy)
        self.messages.append(([r.lower() for r in envelope.rcpt_tos], message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address.lower() in rcpts]

    def clear(self) -> None:
        self.messages.clear()

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return part.get_content()

    def links(self, message: EmailMessage) -> list[str]:
        return LINK_RE.findall(self.body(message))

    def link(self, address: str, containing: str) -> str:
        """The one link containing ``containing`` in the newest mail to ``address`` that has such a link."""
        for message in reversed(self.to(address)):
            found = [link for link in self.links(message) if containing in link]
            if found:
                assert len(found) == 1, found
                return found[0]
        raise AssertionError(f"no mail to {address} with a link containing {containing!r}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_server() -> Iterator[tuple[Controller, Inbox]]:
    """Body of a test module's ``smtp_server`` fixture: ``yield from run_server()``."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def pointed_at(settings: Any, controller: Controller) -> Any:
    """The test settings with outgoing mail going to ``controller``."""
    return msgspec.structs.replace(settings, smtp_host="127.0.0.1", smtp_port=controller.port)


# --- acting as a browser: forms posted with the CSRF field, as a page without JavaScript would --------------------


async def form_post(client: Any, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST ``data`` like the HTML form would: the CSRF token in the hidden field, redirects not followed."""
    if "csrftoken" not in client.cookies:
        await client.get("/login")
    body = {**data, "_csrf_token": client.cookies.get("csrftoken")}
    return await client.post(path, data=body, follow_redirects=False, **kwargs)


def path_of(link: str) -> str:
    """``http://city.test/en/confirm/x`` -> ``/en/confirm/x`` (the test client talks to the same host)."""
    match = re.match(r"https?://[^/]+(/.*)$", link)
    assert match, link
    return match.group(1)


AUTH = "th_session"


def use_session(client: Any, token: str) -> None:
    """Make ``token`` the browser's only session cookie, as the server would have set it (domain city.test)."""
    for cookie in list(client.cookies.jar):
        if cookie.name == AUTH:
            client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set(AUTH, token, domain="city.test")


async def login_as(factory: Any, client: Any, user: Any) -> str:
    """The factory's direct login, with the cookie stored like a server-set one; returns the token."""
    await factory.login(client, user)
    token = client.cookies.get(AUTH)
    use_session(client, token)
    return token
