"""Return paths: only same-origin paths survive, whatever a query string or a stored notification says."""

from __future__ import annotations

import pytest

from core.testing.factories import DEFAULT_PASSWORD
from core.web.return_paths import is_same_origin_path, same_origin_path
from tests.smtp import form_post


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/projects", "/projects"),
        ("/nl/projects?page=2", "/projects?page=2"),
        ("/nl", "/"),
        ("/nl?x=1", "/?x=1"),
        ("/nl//evil.test", ""),
        ("/ar/\\evil.test", ""),
        ("/nl/nl//evil.test", "/nl//evil.test"),
        ("//evil.test", ""),
        ("https://evil.test", ""),
        ("/a:b", ""),
        ("/x\x00y", ""),
        ("/x\x7fy", ""),
        ("", ""),
        (None, ""),
        ("/" + "a" * 600, ""),
    ],
)
def test_same_origin_path(raw: str | None, expected: str) -> None:
    result = same_origin_path(raw)
    assert result == expected
    assert result == "" or is_same_origin_path(result)


async def test_redirect_never_leaves_the_site_even_when_a_caller_forgets(client, tenant, factory) -> None:
    """The notification link reader and login both go through redirect(); a bad stored URL lands on /."""
    await factory.user(tenant, email="me@example.org")
    response = await form_post(
        client, "/nl/login", {"email": "me@example.org", "password": DEFAULT_PASSWORD, "next": "/nl//evil.test"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/nl/"
