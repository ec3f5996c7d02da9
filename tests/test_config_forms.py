"""The admin form generated from a method's config Struct, and the submitted form parsed back into it."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

import msgspec
import pytest
from msgspec import Meta

from core.config_forms import config_fields, parse_config, to_stored
from core.i18n import activate, lazy_gettext
from core.web.forms import Form


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Limits(msgspec.Struct, kw_only=True):
    per_person: Annotated[int, Meta(ge=0, le=50)] = 3
    share: Annotated[float, Meta(gt=0, le=1)] = 0.5


class Everything(msgspec.Struct, kw_only=True):
    enabled: bool = True
    maybe: bool | None = None
    count: Annotated[int, Meta(ge=1, le=10, description="How many")] = 5
    ratio: float = 1.5
    optional_count: int | None = None
    name: Annotated[str, Meta(max_length=20)] = "hello"
    title: Annotated[str, Meta(min_length=1, title="Heading")] = "x"
    layout: Literal["cards", "list", "map"] = "cards"
    size: Literal[1, 2, 3] = 2
    optional_layout: Literal["a", "b"] | None = None
    colour: Colour = Colour.RED
    kinds: list[Literal["p", "q", "r"]] = msgspec.field(default_factory=list)
    colours: list[Colour] = msgspec.field(default_factory=list)
    tags: list[str] = msgspec.field(default_factory=list)
    numbers: list[int] = msgspec.field(default_factory=list)
    limits: Limits = msgspec.field(default_factory=Limits)
    extra: dict[str, int] = msgspec.field(default_factory=dict)  # not editable: kept as stored


LABELS = {"count": lazy_gettext("Number of things"), "limits.per_person": "Per person", "layout:map": "On a map"}


@pytest.fixture(autouse=True)
def english() -> None:
    from babel.support import NullTranslations

    activate("en", NullTranslations())


def by_path(fields, path):
    for f in fields:
        if f.path == path:
            return f
        found = by_path(f.children, path)
        if found:
            return found
    return None


def full_form(**overrides: object) -> Form:
    """A form as a browser submits the generated fields (checkboxes only when ticked)."""
    values: dict[str, object] = {
        "config.enabled": "1",
        "config.maybe": "",
        "config.count": "7",
        "config.ratio": "2.25",
        "config.optional_count": "",
        "config.name": "world",
        "config.title": "T",
        "config.layout": "map",
        "config.size": "3",
        "config.optional_layout": "",
        "config.colour": "green",
        "config.kinds": ["r", "p"],
        "config.colours": ["green"],
        "config.tags": "one\n two \n\n",
        "config.numbers": "4\n5",
        "config.limits.per_person": "10",
        "config.limits.share": "0.25",
    }
    values.update(overrides)
    items: list[tuple[str, object]] = []
    for key, value in values.items():
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            items.append((key, v))
    return Form(items)  # type: ignore[arg-type]


def test_every_kind_of_field_gets_its_control() -> None:
    fields = config_fields(Everything, Everything(), labels=LABELS)
    kinds = {f.path: f.kind for f in fields}
    assert kinds == {
        "enabled": "checkbox",
        "maybe": "select",
        "count": "number",
        "ratio": "number",
        "optional_count": "number",
        "name": "text",
        "title": "text",
        "layout": "select",
        "size": "select",
        "optional_layout": "select",
        "colour": "select",
        "kinds": "checkboxes",
        "colours": "checkboxes",
        "tags": "lines",
        "numbers": "lines",
        "limits": "fieldset",
    }
    assert "extra" not in kinds
    count = by_path(fields, "count")
    assert (count.minimum, count.maximum, count.step, count.value) == (1, 10, "1", "5")
    assert count.label == "Number of things" and count.hint == "How many"
    assert 'min="1"' in count.attrs and 'max="10"' in count.attrs
    assert by_path(fields, "ratio").step == "any"
    assert by_path(fields, "title").label == "Heading"
    assert by_path(fields, "optional_count").label == "Optional count"
    assert by_path(fields, "name").max_length == 20
    layout = by_path(fields, "layout")
    assert layout.options == [("cards", "cards"), ("list", "list"), ("map", "On a map")]
    assert by_path(fields, "optional_layout").options[0] == ("", "—")
    assert by_path(fields, "colour").options == [("red", "red"), ("green", "green")]
    assert [v for v, _ in by_path(fields, "maybe").options] == ["", "true", "false"]
    nested = by_path(fields, "limits")
    assert [c.name for c in nested.children] == ["config.limits.per_person", "config.limits.share"]
    assert by_path(fields, "limits.per_person").label == "Per person"
    assert by_path(fields, "limits.share").minimum == 0


def test_fields_show_the_current_values() -> None:
    current = Everything(enabled=False, maybe=True, kinds=["q"], tags=["a", "b"], limits=Limits(per_person=9))
    fields = config_fields(Everything, current)
    assert by_path(fields, "enabled").value is False
    assert by_path(fields, "maybe").value == "true"
    assert by_path(fields, "kinds").value == ["q"]
    assert by_path(fields, "tags").value == "a\nb"
    assert by_path(fields, "limits.per_person").value == "9"
    # A stored dict works the same as an instance.
    assert by_path(config_fields(Everything, {"count": 8}), "count").value == "8"


def test_round_trip_through_the_form() -> None:
    parsed, errors = parse_config(Everything, full_form(), current={"extra": {"kept": 1}})
    assert errors == {}
    assert parsed == Everything(
        enabled=True,
        maybe=None,
        count=7,
        ratio=2.25,
        optional_count=None,
        name="world",
        title="T",
        layout="map",
        size=3,
        optional_layout=None,
        colour=Colour.GREEN,
        kinds=["p", "r"],
        colours=[Colour.GREEN],
        tags=["one", "two"],
        numbers=[4, 5],
        limits=Limits(per_person=10, share=0.25),
        extra={"kept": 1},
    )
    stored = to_stored(parsed)
    assert stored["colour"] == "green" and stored["colours"] == ["green"]
    # What is rendered from the stored value parses back to the same thing.
    again = config_fields(Everything, stored)
    assert by_path(again, "colour").value == "green" and by_path(again, "size").value == "3"


def test_unticked_checkbox_and_optional_values() -> None:
    parsed, errors = parse_config(
        Everything, full_form(**{"config.enabled": None, "config.maybe": "false", "config.optional_count": "4"})
    )
    assert errors == {}
    assert parsed.enabled is False and parsed.maybe is False and parsed.optional_count == 4


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("config.count", "", "This field is required."),
        ("config.count", "abc", "Enter a whole number."),
        ("config.count", "2.5", "Enter a whole number."),
        ("config.count", "0", "Enter a number of at least 1."),
        ("config.count", "11", "Enter a number of at most 10."),
        ("config.count", "9" * 40, "Enter a whole number."),
        ("config.ratio", "nan", "Enter a number."),
        ("config.ratio", "1e999", "Enter a number."),
        ("config.limits.share", "0", "Enter a number greater than 0."),
        ("config.limits.per_person", "51", "Enter a number of at most 50."),
        ("config.name", "x" * 21, "Use at most 20 characters."),
        ("config.name", "a\x00b", "This text contains a character that is not allowed."),
        ("config.title", "", "This field is required."),
        ("config.layout", "grid", "Choose one of the offered options."),
        ("config.size", "4", "Choose one of the offered options."),
        ("config.colour", "RED", "Choose one of the offered options."),
        ("config.maybe", "perhaps", "Choose one of the offered options."),
        ("config.kinds", ["p", "zzz"], "Choose one of the offered options."),
        ("config.numbers", "1\ntwo", "Enter a whole number."),
        ("config.tags", "\n".join(["t"] * 500), "This list is too long."),
    ],
)
def test_bad_values_give_a_message_on_their_field(field: str, value: object, message: str) -> None:
    parsed, errors = parse_config(Everything, full_form(**{field: value}))
    assert parsed is None
    assert errors == {field: message}


def test_errors_are_translated() -> None:
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    catalog = Catalog(locale="nl")
    catalog.add("Enter a whole number.", "Vul een geheel getal in.")
    catalog.add("Enter a number of at most %(max)s.", "Vul een getal van hoogstens %(max)s in.")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    activate("nl", Translations(buf))
    _parsed, errors = parse_config(Everything, full_form(**{"config.count": "abc", "config.limits.per_person": "99"}))
    assert errors == {
        "config.count": "Vul een geheel getal in.",
        "config.limits.per_person": "Vul een getal van hoogstens 50 in.",
    }


def test_struct_level_rules_are_still_enforced() -> None:
    class Pattern(msgspec.Struct):
        code: Annotated[str, Meta(pattern="^[A-Z]{3}$")] = "ABC"

    parsed, errors = parse_config(Pattern, Form([("config.code", "abc")]))
    assert parsed is None and errors == {"config.code": "This value is not valid."}
    parsed, errors = parse_config(Pattern, Form([("config.code", "XYZ")]))
    assert errors == {} and parsed.code == "XYZ"


def test_a_non_struct_is_refused() -> None:
    with pytest.raises(TypeError):
        config_fields(int)


def test_every_installed_method_config_round_trips_through_its_form() -> None:
    """Conformance: the form generated for each installed method's config parses back to the same config."""
    from core.plugins import Registry, build_plugin_manager

    registry = Registry.gather(build_plugin_manager([]))
    for key, spec in registry.methods.items():
        default = spec.config()
        fields = config_fields(spec.config, default, labels=spec.config_labels)
        items: list[tuple[str, str]] = []
        stack = list(fields)
        while stack:
            f = stack.pop()
            if f.kind == "fieldset":
                stack.extend(f.children)
            elif f.kind == "checkbox":
                if f.value:
                    items.append((f.name, "1"))
            elif f.kind == "checkboxes":
                items.extend((f.name, v) for v in f.value)
            else:
                items.append((f.name, f.value))
        parsed, errors = parse_config(spec.config, Form(items), current=default, labels=spec.config_labels)
        assert errors == {}, key
        assert parsed == default, key
