"""The admin form generated from a method's config Struct, and the submitted form parsed back into it."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

import msgspec
import pytest
from msgspec import Meta

from core import ConfigError, Money, MultiLoc, MultiLocLines
from core.config_forms import config_fields, label_paths, parse_config, to_stored
from core.i18n import activate, lazy_gettext
from core.web.forms import Form


def activate_messages(locale: str, messages: dict[str, str]) -> None:
    """Make ``messages`` (msgid -> translation) the active catalog, compiled the way the app's catalogs are."""
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    catalog = Catalog(locale=locale)
    for msgid, text in messages.items():
        catalog.add(msgid, text)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    activate(locale, Translations(buf))


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
    activate_messages(
        "nl",
        {
            "Enter a whole number.": "Vul een geheel getal in.",
            "Enter a number of at most %(max)s.": "Vul een getal van hoogstens %(max)s in.",
        },
    )
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


class Texts(msgspec.Struct, kw_only=True):
    intro: Annotated[MultiLoc, Meta(description="Shown above the form")] = {}
    options: MultiLocLines = {}
    plain: int = 1


class Framed(msgspec.Struct, kw_only=True):
    texts: Texts = msgspec.field(default_factory=Texts)
    low: int = 1
    high: int = 5

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ConfigError(lazy_gettext("The lowest value may not exceed the highest."), field="low")


class Bounded(msgspec.Struct, kw_only=True):
    low: int = 1
    high: int = 5

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ConfigError(lazy_gettext("The lowest value may not exceed the highest."))


class Nested(msgspec.Struct, kw_only=True):
    bounds: Bounded = msgspec.field(default_factory=Bounded)


def test_multilingual_fields_get_one_control_per_language_of_the_municipality() -> None:
    value = Texts(intro={"en": "Hello", "nl": "Hallo", "de": "Hallo (stale)"}, options={"nl": ["Ja", "Nee"]})
    fields = config_fields(Texts, value, locales=["nl", "en"], labels={"options": "Answers"})
    intro, options = by_path(fields, "intro"), by_path(fields, "options")
    assert (intro.kind, intro.locales, intro.value) == ("multiloc", ["nl", "en"], {"nl": "Hallo", "en": "Hello"})
    assert intro.hint == "Shown above the form" and intro.label == "Intro"
    assert intro.control_names() == [
        "config.intro.nl",
        "config.intro.en",
        "config.intro.nl-x-easy",  # each language's easy-read variant (core/multiloc.py)
        "config.intro.en-x-easy",
    ]
    assert (options.kind, options.label, options.multiline) == ("multiloc_lines", "Answers", True)
    assert options.value == {"nl": "Ja\nNee", "en": ""}


def test_multilingual_fields_are_read_for_the_municipalitys_languages_only() -> None:
    form = Form(
        [
            ("config.intro.nl", "  Welkom  "),
            ("config.intro.en", ""),
            ("config.intro.fr", "Bienvenue"),  # not a language of this municipality: ignored
            ("config.options.nl", "Ja\n\n Nee \n"),
            ("config.options.en", "Yes\nNo"),
            ("config.plain", "2"),
        ]
    )
    parsed, errors = parse_config(Texts, form, current=Texts(intro={"de": "Hallo"}), locales=["nl", "en"])
    assert errors == {}
    assert parsed == Texts(intro={"nl": "Welkom"}, options={"nl": ["Ja", "Nee"], "en": ["Yes", "No"]}, plain=2)
    assert to_stored(parsed)["options"] == {"nl": ["Ja", "Nee"], "en": ["Yes", "No"]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("config.intro.nl", "a\x00b", "This text contains a character that is not allowed."),
        ("config.intro.en", "x" * 2001, "Use at most 2000 characters."),
        ("config.options.nl", "ok\nbad\x00", "This text contains a character that is not allowed."),
        ("config.options.en", "\n".join(["line"] * 201), "This list is too long."),
        ("config.options.en", "y" * 2001, "This list is too long."),
    ],
)
def test_bad_multilingual_values_get_a_message_on_their_language(field: str, value: str, message: str) -> None:
    parsed, errors = parse_config(Texts, Form([("config.plain", "1"), (field, value)]), locales=["nl", "en"])
    assert parsed is None
    assert errors == {field: message}


def test_without_the_municipalitys_languages_multilingual_fields_are_hidden_and_kept() -> None:
    current = Texts(intro={"nl": "Hallo"}, options={"en": ["A"]})
    assert [f.path for f in config_fields(Texts, current)] == ["plain"]
    parsed, errors = parse_config(Texts, Form([("config.plain", "4")]), current=current)
    assert errors == {} and parsed == Texts(intro={"nl": "Hallo"}, options={"en": ["A"]}, plain=4)


def test_the_generated_form_labels_each_language_by_its_name() -> None:
    from core.templating import build_environment
    from core.web.forms import FormErrors

    env = build_environment([])
    template = env.from_string(
        '{% from "admin/_config_fields.html" import config_controls %}{{ config_controls(fields, errors) }}'
    )
    fields = config_fields(Texts, Texts(intro={"ar": "مرحبا"}), locales=["nl", "ar"])
    errors = FormErrors()
    errors.add("config.options.ar", "Too long")
    html = template.render(fields=fields, errors=errors)
    assert '<label for="config.intro.nl" lang="nl">Nederlands</label>' in html
    assert '<label for="config.intro.ar" lang="ar">العربية</label>' in html
    assert 'name="config.intro.ar" type="text" lang="ar" dir="auto" value="مرحبا"' in html
    assert '<textarea id="config.options.nl" name="config.options.nl"' in html
    assert '<p class="hint" id="config.intro-hint">Shown above the form</p>' in html
    assert "Too long" in html


def test_a_rule_across_fields_reaches_the_admin_translated_next_to_its_field() -> None:
    activate_messages(
        "nl", {"The lowest value may not exceed the highest.": "De laagste waarde mag de hoogste niet overschrijden."}
    )
    form = Form([("config.low", "9"), ("config.high", "3"), ("config.texts.plain", "1")])
    parsed, errors = parse_config(Framed, form)
    assert parsed is None
    assert errors == {"config.low": "De laagste waarde mag de hoogste niet overschrijden."}
    # Raised by a nested Struct without a field: the message goes to that Struct's fieldset.
    parsed, errors = parse_config(Nested, Form([("config.bounds.low", "9"), ("config.bounds.high", "3")]))
    assert errors == {"config.bounds": "De laagste waarde mag de hoogste niet overschrijden."}
    from core.templating import build_environment

    template = build_environment([]).from_string(
        '{% from "admin/_config_fields.html" import config_controls %}{{ config_controls(fields, errors) }}'
    )
    html = template.render(fields=config_fields(Nested), errors=errors)
    assert '<p class="field-error" id="config.bounds-error">De laagste waarde' in html
    parsed, errors = parse_config(Nested, Form([("config.bounds.low", "2"), ("config.bounds.high", "3")]))
    assert errors == {} and parsed == Nested(bounds=Bounded(low=2, high=3))


def test_a_plain_value_error_keeps_its_own_text() -> None:
    class Odd(msgspec.Struct):
        n: int = 1

        def __post_init__(self) -> None:
            if self.n % 2 == 0:
                raise ValueError("Choose an odd number.")

    _parsed, errors = parse_config(Odd, Form([("config.n", "2")]))
    assert errors == {"config": "Choose an odd number."}


def test_labels_of_nested_fields_are_valid_in_the_form_and_in_the_conformance_check() -> None:
    from core import MethodSpec
    from core.testing.conformance import check_config

    assert {"limits", "limits.per_person", "limits.share", "layout"} <= label_paths(Everything)

    async def render(pctx):  # pragma: no cover - never called
        raise AssertionError

    def spec(labels: dict) -> MethodSpec:
        return MethodSpec("x", "X", "X", Everything, render, config_labels=labels)

    assert check_config(spec(LABELS)) == []
    assert by_path(config_fields(Everything, labels=LABELS), "limits.per_person").label == "Per person"
    assert check_config(spec({"limits.nope": "No"})) == ["config_labels names an unknown field 'limits.nope'"]
    assert check_config(spec({"nope:1": "No"})) == ["config_labels names an unknown field 'nope:1'"]


# --- money: minor units stored, the currency edited -----------------------------------------------------------------


class Prices(msgspec.Struct, kw_only=True):
    floor: Money = 0
    ceiling: Money | None = None


def test_money_is_shown_in_the_currency_and_read_back_in_minor_units() -> None:
    [floor, ceiling] = config_fields(Prices, Prices(floor=123450), currency="EUR")
    assert (floor.kind, floor.value, floor.step, floor.minimum) == ("number", "1234.50", "0.01", 0)
    assert "An amount in EUR" in floor.hint and ceiling.value == "" and ceiling.optional
    for raw, minor in (("1234.5", 123450), ("1234,50", 123450), ("1 234", 123400), ("0", 0)):
        parsed, errors = parse_config(Prices, Form([("config.floor", raw)]), currency="EUR")
        assert errors == {} and parsed.floor == minor, raw
    for raw in ("12.345", "-1", "1e3", "12,34,5", "€12"):
        parsed, errors = parse_config(Prices, Form([("config.floor", raw)]), currency="EUR")
        assert parsed is None and errors["config.floor"] == "Enter an amount such as 1250.50.", raw
    # a currency without cents takes whole amounts only; without a currency the field is plain minor units
    parsed, errors = parse_config(Prices, Form([("config.floor", "1250")]), currency="JPY")
    assert parsed.floor == 1250 and config_fields(Prices, parsed, currency="JPY")[0].step == "1"
    assert parse_config(Prices, Form([("config.floor", "1250.5")]), currency="JPY")[0] is None
    assert config_fields(Prices, Prices(floor=123450))[0].value == "123450"
