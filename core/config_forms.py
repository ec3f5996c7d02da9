"""Admin forms generated from a method's msgspec config Struct, and submitted forms parsed back into it.

``config_fields`` turns a Struct type (and a current value) into a tree of ``ConfigField`` descriptions that the
template ``admin/_config_fields.html`` renders: ``bool`` → checkbox, ``int``/``float`` → number input with the bounds
of ``msgspec.Meta(ge=, le=, gt=, lt=)``, ``str`` → text, ``Literal[...]``/``Enum`` → select, ``list`` of a Literal
or Enum → checkboxes, ``list[str]``/``list[int]`` → one value per line, ``X | None`` → may be left empty, nested
Structs → fieldset. Fields of any other type are not shown and keep their stored value.

``parse_config`` reads the submitted form back: every field is checked on its own so each error is a translated
message next to its field, then the whole dict goes through ``msgspec.convert`` (the Struct stays the authority).

Labels come from ``MethodSpec.config_labels`` keyed by the field's dotted path (``"limits.max"``), then the
``Meta(title=)``, then the field name. Option labels may be given as ``"<path>:<value>"``; ``Meta(description=)``
becomes the field's hint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from markupsafe import Markup

from core.i18n import gettext as _

MAX_TEXT = 2000
MAX_LINES = 200


class FormLike(Protocol):
    def get(self, name: str, default: str = "") -> str: ...

    def getlist(self, name: str) -> list[str]: ...


@dataclass
class ConfigField:
    """One generated form control (or a fieldset of them) for a config Struct field."""

    name: str  # the form field name and element id, e.g. "config.limits.max"
    path: str  # the dotted path inside the config, e.g. "limits.max"
    kind: str  # checkbox | number | text | select | checkboxes | lines | fieldset
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


def _shape(t: Any) -> _Shape:
    title = description = None
    optional = False
    while True:
        if isinstance(t, msgspec.inspect.Metadata):
            extra = t.extra_json_schema or {}
            title = title or extra.get("title")
            description = description or extra.get("description")
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
    return _Shape(t, optional, title, description, supported)


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


def _option_label(labels: dict[str, Any], path: str, value: Any) -> str:
    key = f"{path}:{value}"
    return str(labels[key]) if key in labels else str(value)


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
    struct_type: Any, value: Any = None, *, labels: dict[str, Any] | None = None, prefix: str = "config"
) -> list[ConfigField]:
    """The form controls for ``struct_type``, filled with ``value`` (a Struct instance or its builtins dict)."""
    return _fields(_struct_info(struct_type), _builtin_value(value), labels or {}, prefix, "")


def _fields(info: Any, values: dict[str, Any], labels: dict[str, Any], prefix: str, base: str) -> list[ConfigField]:
    out: list[ConfigField] = []
    for f in info.fields:
        shape = _shape(f.type)
        if not shape.supported:
            continue
        path = f"{base}{f.encode_name}"
        name = f"{prefix}.{path}"
        current = values.get(f.encode_name, _default_of(f))
        t = shape.core
        common: dict[str, Any] = {
            "name": name,
            "path": path,
            "label": _label(labels, path, f.name, shape.title),
            "hint": shape.description,
            "optional": shape.optional,
        }
        if isinstance(t, msgspec.inspect.StructType):
            children = _fields(t, _builtin_value(current), labels, prefix, path + ".")
            out.append(ConfigField(kind="fieldset", children=children, **common))
        elif isinstance(t, msgspec.inspect.BoolType) and not shape.optional:
            out.append(ConfigField(kind="checkbox", value=bool(current), **common))
        elif isinstance(t, msgspec.inspect.BoolType):
            options = [("", "—"), ("true", _("Yes")), ("false", _("No"))]
            shown = "" if current is None else ("true" if current else "false")
            out.append(ConfigField(kind="select", value=shown, options=options, **common))
        elif isinstance(t, (msgspec.inspect.IntType, msgspec.inspect.FloatType)):
            low, high = _bounds(t)
            step = "1" if isinstance(t, msgspec.inspect.IntType) else "any"
            shown = "" if current is None else str(current)
            out.append(ConfigField(kind="number", value=shown, minimum=low, maximum=high, step=step, **common))
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
) -> tuple[Any, dict[str, str]]:
    """Read the generated form back into ``struct_type``: ``(instance, {})`` or ``(None, {field name: message})``.

    ``current`` (instance or builtins) supplies the values of fields the form cannot show, so they are kept.
    """
    info = _struct_info(struct_type)
    errors: dict[str, str] = {}
    data = _parse(info, form, _builtin_value(current), labels or {}, prefix, "", errors)
    if errors:
        return None, errors
    try:
        return msgspec.convert(data, struct_type), {}
    except msgspec.ValidationError as exc:
        errors[_error_field(str(exc), prefix)] = _("This value is not valid.")
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
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for f in info.fields:
        shape = _shape(f.type)
        key = f.encode_name
        if not shape.supported:
            if key in values:
                data[key] = values[key]
            continue
        path = f"{base}{key}"
        name = f"{prefix}.{path}"
        t = shape.core
        if isinstance(t, msgspec.inspect.StructType):
            data[key] = _parse(t, form, _builtin_value(values.get(key)), labels, prefix, path + ".", errors)
            continue
        if isinstance(t, msgspec.inspect.ListType):
            parsed_list = _parse_list(t, form, name, errors)
            if parsed_list is not None:
                data[key] = parsed_list
            continue
        if isinstance(t, msgspec.inspect.BoolType) and not shape.optional:
            data[key] = form.get(name) in {"1", "on", "true", "yes"}
            continue
        raw = form.get(name)
        if "\x00" in raw:
            errors[name] = _("This text contains a character that is not allowed.")
            continue
        if raw == "" and not isinstance(t, msgspec.inspect.StrType):
            if shape.optional:
                data[key] = None
            else:
                errors[name] = _("This field is required.")
            continue
        ok, parsed = _parse_scalar(t, raw, name, errors)
        if ok:
            data[key] = parsed
    return data


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
        raw = form.get(name)
        if "\x00" in raw:
            errors[name] = _("This text contains a character that is not allowed.")
            return None
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        if len(lines) > MAX_LINES or any(len(line) > MAX_TEXT for line in lines):
            errors[name] = _("This list is too long.")
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


def to_stored(value: Any) -> dict[str, Any]:
    """The builtins form of a config (Enums as their values) as kept in ``Phase.config``."""
    return msgspec.to_builtins(value)


__all__ = ["ConfigField", "config_fields", "parse_config", "to_stored"]
