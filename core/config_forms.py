"""Admin forms generated from a method's msgspec config Struct, and submitted forms parsed back into it.

``config_fields`` turns a Struct type (and a current value) into a tree of ``ConfigField`` descriptions that the
template ``admin/_config_fields.html`` renders: ``bool`` → checkbox, ``int``/``float`` → number input with the bounds
of ``msgspec.Meta(ge=, le=, gt=, lt=)``, ``str`` → text, ``Literal[...]``/``Enum`` → select, ``list`` of a Literal
or Enum → checkboxes, ``list[str]``/``list[int]`` → one value per line, ``X | None`` → may be left empty, nested
Structs → fieldset, ``MultiLoc`` → one text input per language of the municipality, ``MultiLocLines`` → one
textarea (a value per line) per language. Fields of any other type are not shown and keep their stored value.

A multilingual field is read for the tenant's ``locales`` only (passed by the caller; without them such fields are
not shown and keep their stored value): texts are stripped, empty ones dropped, NUL refused, each text at most
``MAX_TEXT`` characters and each language at most ``MAX_LINES`` lines.

Rules across fields live in the Struct's ``__post_init__``: raise ``ConfigError(lazy_gettext("..."), field="b")``
and the admin sees that message, in their language, next to the field (or above the settings without ``field``).

``parse_config`` reads the submitted form back: every field is checked on its own so each error is a translated
message next to its field, then the whole dict goes through ``msgspec.convert`` (the Struct stays the authority).

Labels come from ``MethodSpec.config_labels`` keyed by the field's dotted path (``"limits.max"``), then the
``Meta(title=)``, then the field name. Option labels may be given as ``"<path>:<value>"``. Hints come from
``MethodSpec.config_hints`` (same keys, translated), then ``Meta(description=)``.

What a field *is* lives on the Struct, next to its type, as ``Annotated`` metadata: ``shown_when("ballot_type",
"approval")`` makes a field apply only while a sibling select (or checkbox) has one of those values — the form wraps
it so app.js hides it otherwise, and without JavaScript it shows with "Applies to: ..." in its hint; its value is
still submitted and parsed as any other. ``one_of("a,b", "b,a", describe=fn)`` offers a ``str`` field as a select
of those values (labelled by ``"<path>:<value>"`` labels, else ``describe(value)``, else the value); a stored value
outside the list is still offered, so nothing is lost, and the form accepts nothing else. What a field is *called*
(labels, hints) stays on the MethodSpec, translated.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Protocol

import msgspec
from babel import Locale, UnknownLocaleError
from babel.lists import format_list
from markupsafe import Markup

from core import multiloc
from core.i18n import currency_digits, current_locale
from core.i18n import gettext as _

MAX_TEXT = 2000
MAX_LINES = 200
_MULTILOC = "townhall_multiloc"

MultiLoc = Annotated[dict[str, str], msgspec.Meta(extra={_MULTILOC: "text"})]
"""A config field written in each language of the municipality: ``{locale: text}``; use ``= {}`` as default."""

MultiLocLines = Annotated[dict[str, list[str]], msgspec.Meta(extra={_MULTILOC: "lines"})]
"""A list of lines per language (e.g. answer options): ``{locale: [line, ...]}``; use ``= {}`` as default."""

_MONEY = "townhall_money"
Money = Annotated[int, msgspec.Meta(ge=0, extra={_MONEY: True})]
"""An amount of the municipality's currency, stored in minor units (cents) like every amount in Townhall; the form
shows and reads it in the currency ("1250.50"), so an editor never converts to cents."""


_SHOWN_WHEN = "townhall_shown_when"
_ONE_OF = "townhall_one_of"


@dataclass(frozen=True)
class ShownWhen:
    """A field applies only while ``field`` has one of ``values`` (stored values, as the form submits them).

    Declared (by ``shown_when``) ``field`` names a sibling in the same Struct; on a ``ConfigField`` it is the
    controlling control's form name (its element id), e.g. ``"config.ballot_type"``.
    """

    field: str
    values: tuple[str, ...]


def shown_when(field: str, *values: Any) -> msgspec.Meta:
    """``Annotated`` metadata: this config field applies only while the sibling ``field`` (a ``Literal``/``Enum``
    select or a ``bool``) has one of ``values``. Only the form uses it: the Struct still decodes and keeps the value.

    ``min_spend: Annotated[int, shown_when("ballot_type", "knapsack")] = 0``
    """
    if not values:
        raise ValueError("shown_when needs at least one value")
    return msgspec.Meta(extra={_SHOWN_WHEN: ShownWhen(field, tuple(_form_text(v) for v in values))})


@dataclass(frozen=True)
class OneOf:
    """The values a ``str`` config field is offered as, and how to word one that has no ``"<path>:<value>"`` label."""

    values: tuple[str, ...]
    describe: Callable[[str], str] | None = None


def one_of(*values: str, describe: Callable[[str], str] | None = None) -> msgspec.Meta:
    """``Annotated`` metadata: offer a ``str`` config field as a select of ``values`` instead of free text.

    Option labels come from ``config_labels["<path>:<value>"]``, else ``describe(value)`` (in the reader's
    language), else the value. A stored value outside the list is offered too (worded by ``describe``), so an old
    config keeps its setting; the form refuses any other value. The Struct stays the authority on what decodes.
    """
    if not values:
        raise ValueError("one_of needs at least one value")
    return msgspec.Meta(extra={_ONE_OF: OneOf(tuple(values), describe)})


def _form_text(value: Any) -> str:
    """A value as a select or checkbox submits it: Enum members by their value, booleans as "true"/"false"."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ConfigError(ValueError):
    """A rule across config fields, broken: raise it from the config Struct's ``__post_init__``.

    ``message`` should be a ``lazy_gettext`` string, so the admin reads it in their language; ``field`` is the
    dotted path (relative to the Struct that raises) of the field to show it next to, or None for the whole form.
    """

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class FormLike(Protocol):
    def get(self, name: str, default: str = "") -> str: ...

    def getlist(self, name: str) -> list[str]: ...


@dataclass
class ConfigField:
    """One generated form control (or a fieldset of them) for a config Struct field."""

    name: str  # the form field name and element id, e.g. "config.limits.max"
    path: str  # the dotted path inside the config, e.g. "limits.max"
    kind: str  # checkbox | number | text | select | checkboxes | lines | fieldset | multiloc | multiloc_lines
    label: str
    value: Any = None
    hint: str | None = None
    optional: bool = False
    minimum: float | int | None = None
    maximum: float | int | None = None
    step: str | None = None
    max_length: int | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    children: list[ConfigField] = field(default_factory=list)
    locales: list[str] = field(default_factory=list)  # multiloc kinds: one control per locale, named "<name>.<code>"
    shown_when: ShownWhen | None = None  # applies only while the control named ``shown_when.field`` has these values

    @property
    def multiline(self) -> bool:
        return self.kind == "multiloc_lines"

    @property
    def control_keys(self) -> list[str]:
        """The keys of a multilingual control's value: each locale, and for a text each locale's easy-read variant."""
        return multiloc.content_keys(self.locales) if self.kind == "multiloc" else list(self.locales)

    def control_names(self) -> list[str]:
        """The form field names this control submits (a multilingual field submits one per locale)."""
        if self.kind.startswith("multiloc"):
            return [f"{self.name}.{code}" for code in self.control_keys]
        return [self.name]

    @property
    def attrs(self) -> Markup:
        """Extra attributes for the input macro (numbers only); built here so values are escaped once."""
        parts = []
        if self.minimum is not None:
            parts.append(Markup(' min="{}"').format(self.minimum))
        if self.maximum is not None:
            parts.append(Markup(' max="{}"').format(self.maximum))
        if self.step is not None:
            parts.append(Markup(' step="{}"').format(self.step))
        if self.max_length is not None:
            parts.append(Markup(' maxlength="{}"').format(self.max_length))
        return Markup("").join(parts)


@dataclass
class _Shape:
    """A field type reduced to what the form needs: the core type, whether None is allowed, title/description."""

    core: Any
    optional: bool = False
    title: str | None = None
    description: str | None = None
    supported: bool = True
    multiloc: str | None = None  # "text" | "lines" for MultiLoc / MultiLocLines
    money: bool = False  # Money: minor units stored, the currency shown
    shown_when: ShownWhen | None = None
    one_of: OneOf | None = None  # as declared; only a str is offered as a select (``offered``)

    @property
    def offered(self) -> OneOf | None:
        return self.one_of if isinstance(self.core, msgspec.inspect.StrType) else None


def _shape(t: Any) -> _Shape:
    title = description = multiloc = shown = choices = None
    optional = money = False
    while True:
        if isinstance(t, msgspec.inspect.Metadata):
            extra = t.extra_json_schema or {}
            title = title or extra.get("title")
            description = description or extra.get("description")
            ours = t.extra or {}
            multiloc = multiloc or ours.get(_MULTILOC)
            money = money or bool(ours.get(_MONEY))
            shown = shown or ours.get(_SHOWN_WHEN)
            choices = choices or ours.get(_ONE_OF)
            t = t.type
            continue
        if isinstance(t, msgspec.inspect.UnionType):
            rest = [m for m in t.types if not isinstance(m, msgspec.inspect.NoneType)]
            optional = optional or len(rest) < len(t.types)
            if len(rest) != 1:
                return _Shape(t, optional, title, description, supported=False)
            t = rest[0]
            continue
        break
    if multiloc is not None:
        is_dict = isinstance(t, msgspec.inspect.DictType)
        return _Shape(t, optional, title, description, supported=is_dict, multiloc=multiloc, shown_when=shown)
    supported = isinstance(
        t,
        (
            msgspec.inspect.BoolType,
            msgspec.inspect.IntType,
            msgspec.inspect.FloatType,
            msgspec.inspect.StrType,
            msgspec.inspect.LiteralType,
            msgspec.inspect.EnumType,
            msgspec.inspect.StructType,
        ),
    )
    if isinstance(t, msgspec.inspect.ListType):
        supported = _choice_values(t.item_type) is not None or isinstance(
            t.item_type, (msgspec.inspect.StrType, msgspec.inspect.IntType)
        )
    money = money and isinstance(t, msgspec.inspect.IntType)
    return _Shape(t, optional, title, description, supported, money=money, shown_when=shown, one_of=choices)


def _choice_values(t: Any) -> list[Any] | None:
    """The allowed values of a Literal or Enum type (stored form: the Enum member's value), else None."""
    while isinstance(t, msgspec.inspect.Metadata):
        t = t.type
    if isinstance(t, msgspec.inspect.LiteralType):
        return list(t.values)
    if isinstance(t, msgspec.inspect.EnumType):
        return [member.value for member in t.cls]
    return None


def _label(labels: dict[str, Any], path: str, name: str, title: str | None) -> str:
    if path in labels:
        return str(labels[path])
    if title:
        return title
    return name.replace("_", " ").capitalize()


def _option_label(labels: dict[str, Any], path: str, value: Any, describe: Callable[[str], str] | None = None) -> str:
    key = f"{path}:{value}"
    if key in labels:
        return str(labels[key])
    return str(describe(str(value))) if describe is not None else str(value)


def _controller(info: Any, field_name: str, shown: ShownWhen) -> Any:
    """The sibling field a ``shown_when`` names (by attribute or stored name)."""
    for f in info.fields:
        if shown.field in (f.name, f.encode_name) and f.name != field_name:
            return f
    raise TypeError(f"config field {field_name!r}: shown_when names no sibling field {shown.field!r}")


def _applies_to(controller: Any, path: str, values: tuple[str, ...], labels: dict[str, Any]) -> str:
    """ "Applies to: <the controlling field's option labels>." — the hint that stands in for hiding without JS."""
    if isinstance(_shape(controller.type).core, msgspec.inspect.BoolType):
        words = [_("Yes") if value == "true" else _("No") for value in values]
    else:
        words = [_option_label(labels, path, value) for value in values]
    return _("Applies to: %(choices)s.", choices=format_list(words, style="or", locale=_babel_locale()))


def _babel_locale() -> str:
    """The reader's locale for Babel's list patterns ("A, B or C"); English when Babel does not know it."""
    try:
        return str(Locale.parse(current_locale().replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return "en"


def _bounds(t: Any) -> tuple[Any, Any]:
    low = t.ge if t.ge is not None else t.gt
    high = t.le if t.le is not None else t.lt
    return low, high


def _struct_info(struct_type: Any) -> msgspec.inspect.StructType:
    info = struct_type if isinstance(struct_type, msgspec.inspect.StructType) else None
    if info is None:
        info = msgspec.inspect.type_info(struct_type)
    if not isinstance(info, msgspec.inspect.StructType):
        raise TypeError(f"{struct_type!r} is not a msgspec Struct type")
    return info


def _builtin_value(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return msgspec.to_builtins(value)


def _default_of(f: Any) -> Any:
    if f.default is not msgspec.NODEFAULT:
        return msgspec.to_builtins(f.default)
    if f.default_factory is not msgspec.NODEFAULT:
        return msgspec.to_builtins(f.default_factory())
    return None


def config_fields(
    struct_type: Any,
    value: Any = None,
    *,
    labels: dict[str, Any] | None = None,
    hints: dict[str, Any] | None = None,
    prefix: str = "config",
    locales: Sequence[str] = (),
    currency: str | None = None,
) -> list[ConfigField]:
    """The form controls for ``struct_type``, filled with ``value`` (a Struct instance or its builtins dict).

    ``labels`` and ``hints`` are the method's ``config_labels`` and ``config_hints``; ``locales`` the municipality's
    languages, for ``MultiLoc``/``MultiLocLines`` fields; ``currency`` its currency, for ``Money`` fields (without
    it they show minor units).
    """
    words = _Words(labels or {}, hints or {})
    return _fields(_struct_info(struct_type), _builtin_value(value), words, prefix, "", list(locales), currency)


@dataclass
class _Words:
    """The method's translated words for its fields: labels (and option labels) and hints, by dotted path."""

    labels: dict[str, Any]
    hints: dict[str, Any]


def _fields(
    info: Any,
    values: dict[str, Any],
    words: _Words,
    prefix: str,
    base: str,
    locales: list[str],
    currency: str | None = None,
) -> list[ConfigField]:
    labels = words.labels
    out: list[ConfigField] = []
    for f in info.fields:
        shape = _shape(f.type)
        if not shape.supported or (shape.multiloc is not None and not locales):
            continue
        path = f"{base}{f.encode_name}"
        name = f"{prefix}.{path}"
        current = values.get(f.encode_name, _default_of(f))
        t = shape.core
        hint = str(words.hints[path]) if path in words.hints else shape.description
        shown = None
        if shape.shown_when is not None:
            controller = _controller(info, f.name, shape.shown_when)
            controller_path = f"{base}{controller.encode_name}"
            applies = _applies_to(controller, controller_path, shape.shown_when.values, labels)
            hint = f"{applies} {hint}" if hint else applies
            shown = ShownWhen(f"{prefix}.{controller_path}", shape.shown_when.values)
        common: dict[str, Any] = {
            "name": name,
            "path": path,
            "label": _label(labels, path, f.name, shape.title),
            "hint": hint,
            "optional": shape.optional,
            "shown_when": shown,
        }
        if shape.multiloc is not None:
            texts = current if isinstance(current, dict) else {}
            if shape.multiloc == "lines":
                shown = {code: "\n".join(str(line) for line in texts.get(code) or []) for code in locales}
            else:
                shown = {code: str(texts.get(code) or "") for code in locales}
                shown |= {
                    key: str(texts[key])
                    for key in multiloc.content_keys(locales)
                    if key not in shown and texts.get(key)
                }
            kind = "multiloc_lines" if shape.multiloc == "lines" else "multiloc"
            out.append(ConfigField(kind=kind, value=shown, locales=locales, max_length=MAX_TEXT, **common))
        elif isinstance(t, msgspec.inspect.StructType):
            children = _fields(t, _builtin_value(current), words, prefix, path + ".", locales, currency)
            out.append(ConfigField(kind="fieldset", children=children, **common))
        elif isinstance(t, msgspec.inspect.BoolType) and not shape.optional:
            out.append(ConfigField(kind="checkbox", value=bool(current), **common))
        elif isinstance(t, msgspec.inspect.BoolType):
            options = [("", "—"), ("true", _("Yes")), ("false", _("No"))]
            shown = "" if current is None else ("true" if current else "false")
            out.append(ConfigField(kind="select", value=shown, options=options, **common))
        elif shape.money and currency:
            unit = Decimal(1).scaleb(-currency_digits(currency))
            low, high = _bounds(t)
            hint = _(
                "An amount in %(currency)s, such as %(example)s.", currency=currency, example=_money_text(125050, unit)
            )
            common["hint"] = f"{common['hint']} {hint}" if common["hint"] else hint
            shown = "" if current is None else _money_text(current, unit)
            minimum = None if low is None else Decimal(low) * unit
            out.append(ConfigField(kind="number", value=shown, minimum=minimum, step=str(unit), **common))
        elif isinstance(t, (msgspec.inspect.IntType, msgspec.inspect.FloatType)):
            low, high = _bounds(t)
            step = "1" if isinstance(t, msgspec.inspect.IntType) else "any"
            shown = "" if current is None else str(current)
            out.append(ConfigField(kind="number", value=shown, minimum=low, maximum=high, step=step, **common))
        elif shape.offered is not None:
            shown_value = "" if current is None else str(current)
            values_offered = list(shape.offered.values)
            if shown_value not in values_offered and (shown_value or not shape.optional):
                values_offered.append(shown_value)  # an older or hand-written setting stays what it is
            options = [(v, _option_label(labels, path, v, shape.offered.describe)) for v in values_offered]
            if shape.optional:
                options.insert(0, ("", "—"))
            out.append(ConfigField(kind="select", value=shown_value, options=options, **common))
        elif isinstance(t, msgspec.inspect.StrType):
            limit = min(t.max_length, MAX_TEXT) if t.max_length is not None else MAX_TEXT
            out.append(ConfigField(kind="text", value=current or "", max_length=limit, **common))
        elif isinstance(t, (msgspec.inspect.LiteralType, msgspec.inspect.EnumType)):
            choices = _choice_values(t) or []
            options = [(str(v), _option_label(labels, path, v)) for v in choices]
            if shape.optional:
                options.insert(0, ("", "—"))
            shown = "" if current is None else str(current)
            out.append(ConfigField(kind="select", value=shown, options=options, **common))
        elif isinstance(t, msgspec.inspect.ListType):
            choices = _choice_values(t.item_type)
            items = [str(v) for v in (current or [])]
            if choices is not None:
                options = [(str(v), _option_label(labels, path, v)) for v in choices]
                out.append(ConfigField(kind="checkboxes", value=items, options=options, **common))
            else:
                out.append(ConfigField(kind="lines", value="\n".join(items), **common))
    return out


def parse_config(
    struct_type: Any,
    form: FormLike,
    *,
    current: Any = None,
    labels: dict[str, Any] | None = None,
    prefix: str = "config",
    locales: Sequence[str] = (),
    currency: str | None = None,
) -> tuple[Any, dict[str, str]]:
    """Read the generated form back into ``struct_type``: ``(instance, {})`` or ``(None, {field name: message})``.

    ``current`` (instance or builtins) supplies the values of fields the form cannot show, so they are kept.
    A ``ConfigError`` (or another ``ValueError``) raised by a ``__post_init__`` comes back with its own message.
    """
    info = _struct_info(struct_type)
    errors: dict[str, str] = {}
    data = _parse(info, form, _builtin_value(current), labels or {}, prefix, "", errors, list(locales), currency)
    if errors:
        return None, errors
    try:
        return msgspec.convert(data, struct_type), {}
    except msgspec.ValidationError as exc:
        where = _error_field(str(exc), prefix)
        cause = exc.__cause__
        if isinstance(cause, ConfigError):
            errors[f"{where}.{cause.field}" if cause.field else where] = str(cause.message)
        elif isinstance(cause, ValueError) and str(cause):
            errors[where] = str(cause)  # a __post_init__ rule that did not use ConfigError: its text as written
        else:
            errors[where] = _("This value is not valid.")
        return None, errors


def _error_field(message: str, prefix: str) -> str:
    """msgspec says ``... - at `$.limits.max```; the form field is then ``<prefix>.limits.max``."""
    marker = "- at `$"
    if marker in message:
        path = message.rsplit(marker, 1)[1].rstrip("`").lstrip(".")
        path = path.split("[", 1)[0]
        if path:
            return f"{prefix}.{path}"
    return prefix


def _parse(
    info: Any,
    form: FormLike,
    values: dict[str, Any],
    labels: dict[str, Any],
    prefix: str,
    base: str,
    errors: dict[str, str],
    locales: list[str],
    currency: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in info.fields:
        shape = _shape(f.type)
        key = f.encode_name
        if not shape.supported or (shape.multiloc is not None and not locales):
            if key in values:
                data[key] = values[key]
            continue
        path = f"{base}{key}"
        name = f"{prefix}.{path}"
        t = shape.core
        if shape.multiloc is not None:
            data[key] = _parse_multiloc(shape.multiloc == "lines", form, name, locales, errors)
            continue
        if isinstance(t, msgspec.inspect.StructType):
            data[key] = _parse(
                t, form, _builtin_value(values.get(key)), labels, prefix, path + ".", errors, locales, currency
            )
            continue
        if isinstance(t, msgspec.inspect.ListType):
            parsed_list = _parse_list(t, form, name, errors)
            if parsed_list is not None:
                data[key] = parsed_list
            continue
        if isinstance(t, msgspec.inspect.BoolType) and not shape.optional:
            data[key] = form.get(name) in {"1", "on", "true", "yes"}
            continue
        raw = _read_text(form, name, errors)
        if raw is None:
            continue
        if raw == "" and (not isinstance(t, msgspec.inspect.StrType) or (shape.offered and shape.optional)):
            if shape.optional:
                data[key] = None
            else:
                errors[name] = _("This field is required.")
            continue
        if shape.money and currency:
            ok, parsed = _parse_money(t, raw, currency, name, errors)
        elif shape.offered is not None:
            ok, parsed = _parse_one_of(shape.offered, raw, values.get(key, _default_of(f)), name, errors)
        else:
            ok, parsed = _parse_scalar(t, raw, name, errors)
        if ok:
            data[key] = parsed
    return data


def _money_text(minor: int, unit: Decimal) -> str:
    """Minor units as the plain decimal a number input takes ("1250.50"), whatever the reader's locale."""
    return str((Decimal(int(minor)) * unit).quantize(unit))


_MONEY_TEXT = re.compile(r"^\d{1,15}([.,]\d+)?$")


def _parse_money(t: Any, raw: str, currency: str, name: str, errors: dict[str, str]) -> tuple[bool, Any]:
    """ "1250", "1250.50" or "1250,50" in the currency → minor units; more decimals than the currency has is refused
    (a cent cannot be split), as is any other text."""
    digits = currency_digits(currency)
    text = raw.replace(" ", "").replace("\u00a0", "")
    amount = Decimal(text.replace(",", ".")) if _MONEY_TEXT.match(text) else None
    if amount is None or -amount.as_tuple().exponent > digits:  # type: ignore[operator]
        example = _money_text(125050, Decimal(1).scaleb(-digits))
        errors[name] = _("Enter an amount such as %(example)s.", example=example)
        return False, None
    return _check_bounds(t, int(amount.scaleb(digits)), name, errors)


def _parse_scalar(t: Any, raw: str, name: str, errors: dict[str, str]) -> tuple[bool, Any]:
    if isinstance(t, msgspec.inspect.BoolType):
        if raw not in ("true", "false"):
            errors[name] = _("Choose one of the offered options.")
            return False, None
        return True, raw == "true"
    if isinstance(t, (msgspec.inspect.IntType, msgspec.inspect.FloatType)):
        number: int | float
        try:
            if isinstance(t, msgspec.inspect.IntType):
                if len(raw) > 30:
                    raise ValueError(raw)
                number = int(raw)
            else:
                number = float(raw)
                if not math.isfinite(number):
                    raise ValueError(raw)
        except ValueError:
            whole = isinstance(t, msgspec.inspect.IntType)
            errors[name] = _("Enter a whole number.") if whole else _("Enter a number.")
            return False, None
        return _check_bounds(t, number, name, errors)
    if isinstance(t, msgspec.inspect.StrType):
        limit = t.max_length if t.max_length is not None else MAX_TEXT
        if len(raw) > limit:
            errors[name] = _("Use at most %(max)s characters.", max=limit)
            return False, None
        if t.min_length is not None and len(raw) < t.min_length:
            if t.min_length == 1:
                errors[name] = _("This field is required.")
            else:
                errors[name] = _("Use at least %(min)s characters.", min=t.min_length)
            return False, None
        return True, raw
    choices = _choice_values(t)
    if choices is not None:
        by_text = {str(v): v for v in choices}
        if raw not in by_text:
            errors[name] = _("Choose one of the offered options.")
            return False, None
        return True, by_text[raw]
    errors[name] = _("This value is not valid.")
    return False, None


def _parse_one_of(choices: OneOf, raw: str, stored: Any, name: str, errors: dict[str, str]) -> tuple[bool, Any]:
    """One of the offered values, or the one already stored (an older setting the select still offers)."""
    if raw in choices.values or (stored is not None and raw == str(stored)):
        return True, raw
    errors[name] = _("Choose one of the offered options.")
    return False, None


def _check_bounds(t: Any, number: float, name: str, errors: dict[str, str]) -> tuple[bool, Any]:
    if t.ge is not None and number < t.ge:
        errors[name] = _("Enter a number of at least %(min)s.", min=t.ge)
    elif t.gt is not None and number <= t.gt:
        errors[name] = _("Enter a number greater than %(min)s.", min=t.gt)
    elif t.le is not None and number > t.le:
        errors[name] = _("Enter a number of at most %(max)s.", max=t.le)
    elif t.lt is not None and number >= t.lt:
        errors[name] = _("Enter a number smaller than %(max)s.", max=t.lt)
    else:
        return True, number
    return False, None


def _parse_list(t: Any, form: FormLike, name: str, errors: dict[str, str]) -> list[Any] | None:
    choices = _choice_values(t.item_type)
    if choices is not None:
        by_text = {str(v): v for v in choices}
        picked = form.getlist(name)
        if any(p not in by_text for p in picked):
            errors[name] = _("Choose one of the offered options.")
            return None
        # Keep the declared order and drop duplicates, whatever order the browser sent.
        items: list[Any] = [v for v in choices if str(v) in picked]
    else:
        lines = _read_lines(form, name, errors)
        if lines is None:
            return None
        item_type = t.item_type
        while isinstance(item_type, msgspec.inspect.Metadata):
            item_type = item_type.type
        items = []
        for line in lines:
            ok, parsed = _parse_scalar(item_type, line, name, errors)
            if not ok:
                return None
            items.append(parsed)
    if t.min_length is not None and len(items) < t.min_length:
        errors[name] = _("Choose at least %(min)s.", min=t.min_length)
        return None
    if t.max_length is not None and len(items) > t.max_length:
        errors[name] = _("Choose at most %(max)s.", max=t.max_length)
        return None
    return items


def _read_text(form: FormLike, name: str, errors: dict[str, str]) -> str | None:
    """A submitted text without NUL characters (PostgreSQL refuses them), else None and a message."""
    raw = form.get(name)
    if "\x00" in raw:
        errors[name] = _("This text contains a character that is not allowed.")
        return None
    return raw


def _read_lines(form: FormLike, name: str, errors: dict[str, str]) -> list[str] | None:
    """The non-blank lines of a textarea, stripped and bounded, else None and a message."""
    raw = _read_text(form, name, errors)
    if raw is None:
        return None
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) > MAX_LINES or any(len(line) > MAX_TEXT for line in lines):
        errors[name] = _("This list is too long.")
        return None
    return lines


def _parse_multiloc(lines: bool, form: FormLike, name: str, locales: list[str], errors: dict[str, str]) -> dict:
    """``{locale: text}`` (or ``{locale: [line, ...]}``) for the tenant's locales only; blank languages left out."""
    out: dict[str, Any] = {}
    for code in locales if lines else multiloc.content_keys(locales):
        field_name = f"{name}.{code}"
        if lines:
            found = _read_lines(form, field_name, errors)
            if found:
                out[code] = found
            continue
        raw = _read_text(form, field_name, errors)
        text = (raw or "").strip()
        if len(text) > MAX_TEXT:
            errors[field_name] = _("Use at most %(max)s characters.", max=MAX_TEXT)
        elif text:
            out[code] = text
    return out


def label_paths(struct_type: Any) -> set[str]:
    """Every dotted field path of a config Struct, nested Structs included: what ``config_labels`` keys may name
    (before an optional ``:<value>``), for the form and for the conformance check alike."""
    paths: set[str] = set()

    def walk(info: Any, base: str) -> None:
        for f in info.fields:
            path = f"{base}{f.encode_name}"
            paths.add(path)
            core = _shape(f.type).core
            if isinstance(core, msgspec.inspect.StructType):
                walk(core, path + ".")

    walk(_struct_info(struct_type), "")
    return paths


def declaration_problems(struct_type: Any) -> list[str]:
    """What is wrong with a config Struct's ``shown_when``/``one_of`` declarations (for the conformance check): a
    ``shown_when`` must name a sibling select (``Literal``/``Enum``) or ``bool`` and only values it can take; a
    ``one_of`` belongs on a ``str`` field."""
    problems: list[str] = []

    def walk(info: Any, base: str) -> None:
        for f in info.fields:
            path = f"{base}{f.encode_name}"
            shape = _shape(f.type)
            if isinstance(shape.core, msgspec.inspect.StructType):
                walk(shape.core, path + ".")
            if shape.one_of is not None and shape.offered is None:
                problems.append(f"config field {path!r}: one_of is for str fields")
            if shape.shown_when is None:
                continue
            try:
                controller = _controller(info, f.name, shape.shown_when)
            except TypeError as exc:
                problems.append(str(exc))
                continue
            core = _shape(controller.type).core
            if isinstance(core, msgspec.inspect.BoolType):
                allowed = ["true", "false"]
            else:
                allowed = [_form_text(v) for v in _choice_values(core) or []]
            if not allowed:
                problems.append(f"config field {path!r}: shown_when names {shape.shown_when.field!r}, not a select")
            unknown = [v for v in shape.shown_when.values if v not in allowed]
            if allowed and unknown:
                problems.append(f"config field {path!r}: shown_when values {unknown} are not choices of its field")

    walk(_struct_info(struct_type), "")
    return problems


def to_stored(value: Any) -> dict[str, Any]:
    """The builtins form of a config (Enums as their values) as kept in ``Phase.config``."""
    return msgspec.to_builtins(value)


__all__ = [
    "ConfigError",
    "ConfigField",
    "MultiLoc",
    "MultiLocLines",
    "OneOf",
    "ShownWhen",
    "config_fields",
    "declaration_problems",
    "label_paths",
    "one_of",
    "parse_config",
    "shown_when",
    "to_stored",
]
