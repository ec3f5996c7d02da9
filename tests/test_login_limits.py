"""Login limits: each attempt is counted before the password is checked, and a right password uses up nothing.

The race across two workers on PostgreSQL (30 parallel wrong passwords, only the limit checked) is
tests/scale/test_multiworker.py; here the rules, through the test client.
"""

from __future__ import annotations

import asyncio

from core import passwords
from core.cli import proxy_options
from tests.smtp import form_post


async def test_wrong_passwords_beyond_the_limit_are_not_checked(client, tenant, factory) -> None:
    await factory.user(tenant, email="target@example.org")
    await client.get("/login")  # CSRF cookie before the burst

    async def attempt(i: int) -> int:
        response = await form_post(client, "/login", {"email": "target@example.org", "password": f"wrong-guess-{i}"})
        return response.status_code

    codes = await asyncio.gather(*(attempt(i) for i in range(20)))
    assert sorted(set(codes)) == [401, 429]
    assert codes.count(401) == 5, codes


async def test_a_right_password_does_not_use_up_the_limit(client, tenant, factory) -> None:
    from core.testing.factories import DEFAULT_PASSWORD

    await factory.user(tenant, email="me@example.org")
    for _ in range(8):
        response = await form_post(client, "/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD})
        assert response.status_code == 303
        await form_post(client, "/logout", {})


def test_an_account_without_a_usable_password_costs_one_argon2_check(monkeypatch) -> None:
    calls: list[str] = []
    real = passwords._hasher

    class Counting:
        def hash(self, password: str) -> str:
            return real.hash(password)

        def verify(self, hashed: str, password: str) -> bool:
            calls.append(hashed)
            return real.verify(hashed, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    for unusable in (None, "", "!", "disabled"):
        assert passwords.verify_password(unusable, "whatever-password") is False
    assert len(calls) == 4 and all(h.startswith("$argon2") for h in calls)


def test_no_proxy_is_trusted_by_default(monkeypatch) -> None:
    monkeypatch.delenv("TOWNHALL_TRUSTED_PROXIES", raising=False)
    assert proxy_options() == {"proxy_headers": False}
    monkeypatch.setenv("TOWNHALL_TRUSTED_PROXIES", "10.0.0.2, 10.0.1.0/24")
    assert proxy_options() == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.2, 10.0.1.0/24"}
