"""Reading submitted forms and answering invalid ones: one pattern for the core and every plugin.

A handler reads the form with ``read_form``, collects translated messages per field in ``FormErrors`` and, when
there are any, answers ``invalid(...)``: the same template re-rendered with the values and errors, status 422, and
nothing written (the request's transaction is rolled back for every 4xx).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from litestar import Request, Response

from core import multiloc
from core.i18n import lazy_gettext
from core.web.errors import UserFacingError
from core.web.render import render

MAX_FIELD_LENGTH = 20000
# Database integer columns are 64-bit: a bigger number is no id or amount we could have, and would fail in the driver.
INT64 = 2**63 - 1
NOT_TEXT = lazy_gettext("The form contained characters that are not valid text. Please check what you typed.")


class Form:
    """Submitted fields; single values are stripped, NUL characters refused (PostgreSQL cannot store them)."""

    def __init__(self, items: list[tuple[str, Any]]) -> None:
        self._items = items

    def get(self, name: str, default: str = "") -> str:
        for key, value in self._items:
            if key == name and isinstance(value, str):
                return value.strip()
        return default

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for k, v in self._items if k == name and isinstance(v, str)]

    def file(self, name: str) -> Any:
        for key, value in self._items:
            if key == name and not isinstance(value, str):
                return value
        return None

    def flag(self, name: str) -> bool:
        return self.get(name) in {"1", "on", "true", "yes"}

    def int(self, name: str, default: int | None = None) -> int | None:
        raw = self.get(name)
        if raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            return None
        return value if -INT64 <= value <= INT64 else None

    def multiloc(self, name: str, locales: list[str]) -> dict[str, str]:
        """``{key: text}`` for each locale and each locale's easy-read variant that was filled in."""
        keys = multiloc.content_keys(locales)
        return {code: self.get(f"{name}.{code}") for code in keys if self.get(f"{name}.{code}")}

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self._items if isinstance(v, str)}

    @property
    def has_nul(self) -> bool:
        return any(isinstance(v, str) and "\x00" in v for _k, v in self._items)

    @property
    def too_long(self) -> bool:
        return any(isinstance(v, str) and len(v) > MAX_FIELD_LENGTH for _k, v in self._items)


async def read_form(request: Request) -> Form:
    """The submitted fields, refusing (400) a body that is not valid UTF-8 instead of storing mangled text."""
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            text = (await request.body()).decode("utf-8")
            items: list[tuple[str, Any]] = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise UserFacingError(detail=str(NOT_TEXT), status_code=400) from None
    else:
        data = await request.form()
        items = list(data.multi_items()) if hasattr(data, "multi_items") else list(data.items())
        # multipart parts are decoded leniently by the framework: a replacement character marks bytes that were not
        # UTF-8 (nobody types U+FFFD on purpose)
        if any("\ufffd" in k or (isinstance(v, str) and "\ufffd" in v) for k, v in items):
            raise UserFacingError(detail=str(NOT_TEXT), status_code=400)
    return Form([(k, v) for k, v in items if k != "_csrf_token"])


class FormErrors(dict[str, str]):
    """Field name → message already translated; ``_form`` holds a message about the whole form."""

    def add(self, field: str, message: Any) -> None:
        self.setdefault(field, str(message))


def invalid(request: Request, template: str, errors: FormErrors, **context: Any) -> Response[str]:
    return render(request, template, status_code=422, errors=errors, **context)


def multiloc_or_error(
    form: Form, name: str, locales: list[str], errors: FormErrors, *, required_locale: str | None, message: Any
) -> dict[str, str]:
    try:
        return multiloc.clean(form.multiloc(name, locales), locales, required_locale=required_locale)
    except ValueError:
        errors.add(f"{name}.{required_locale}" if required_locale else name, message)
        return form.multiloc(name, locales)
