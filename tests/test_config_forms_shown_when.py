"""Config fields that apply to some choices of another field only (``shown_when``) and ``str`` fields offered as a
select (``one_of``): what the form generator hands the template, what the template renders, what the form reads."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
import pytest

from core import one_of, shown_when
from core.config_forms import ShownWhen, config_fields, declaration_problems, parse_config
from core.i18n import activate
from core.templating import build_environment
from core.web.forms import Form


def _describe(value: str) -> str:
    return "Custom: " + " then ".join(value.split(","))


class Extras(msgspec.Struct, kw_only=True):
    detailed: bool = False
    notes: Annotated[int, shown_when("detailed", True)] = 0


class Ballot(msgspec.Struct, kw_only=True):
    kind: Literal["single", "several", "ranked"] = "single"
    most: Annotated[int, msgspec.Meta(ge=0), shown_when("kind", "several", "ranked")] = 0
    ranks: Annotated[int, shown_when("kind", "ranked")] = 3
    order: Annotated[str, one_of("cost,votes", "votes,cost", describe=_describe)] = "cost,votes"
    extras: Extras = msgspec.field(default_factory=Extras)


LABELS = {
    "kind:single": "Single: one option",
    "kind:several": "Several options",
    "kind:ranked": "Ranked",
    "order:cost,votes": "Cheaper first, then more votes",
    "order:votes,cost": "More votes first, then cheaper",
}
HINTS = {"most": "0 means no limit."}


@pytest.fixture(autouse=True)
def english() -> None:
    from babel.support import NullTranslations

    activate("en", NullTranslations())


def by_path(fields, path):
    stack = list(fields)
    while stack:
        f = stack.pop(0)
        if f.path == path:
            return f
        stack.extend(f.children)
    raise AssertionError(path)


def submitted(**values: str) -> Form:
    """Every generated control as a browser submits it (the unticked checkbox left out), with ``values``."""
    base = {"kind": "single", "most": "0", "ranks": "3", "order": "cost,votes", "extras.notes": "0"}
    return Form([(f"config.{key}", value) for key, value in {**base, **values}.items()])


def render(fields, errors=None) -> str:
    template = build_environment([]).from_string(
        '{% from "admin/_config_fields.html" import config_controls %}{{ config_controls(fields, errors) }}'
    )
    return template.render(fields=fields, errors=errors or {})


def test_a_conditional_field_names_its_controlling_field_and_values_and_says_so_in_its_hint() -> None:
    fields = config_fields(Ballot, Ballot(), labels=LABELS, hints=HINTS)
    most, ranks = by_path(fields, "most"), by_path(fields, "ranks")
    assert most.shown_when == ShownWhen("config.kind", ("several", "ranked"))
    assert ranks.shown_when == ShownWhen("config.kind", ("ranked",))
    # The no-JS stand-in: which choices it applies to, in the choices' own labels, before the method's hint.
    assert most.hint == "Applies to: Several options or Ranked. 0 means no limit."
    assert ranks.hint == "Applies to: Ranked."
    assert by_path(fields, "kind").shown_when is None and by_path(fields, "kind").hint is None
    # Nested Structs name their own sibling; a checkbox controls with true/false.
    notes = by_path(fields, "extras.notes")
    assert notes.shown_when == ShownWhen("config.extras.detailed", ("true",))
    assert notes.hint == "Applies to: Yes."


def test_the_template_wraps_a_conditional_control_with_its_condition_and_hint() -> None:
    html = render(config_fields(Ballot, Ballot(), labels=LABELS, hints=HINTS))
    start = html.index('data-shown-when-field="config.kind" data-shown-when-values=\'["several", "ranked"]\'')
    wrapper = html[start : html.index("</div>\n", html.index('id="config.most"'))]
    assert 'id="config.most" name="config.most" type="number" value="0"' in wrapper
    assert (
        '<p class="hint" id="config.most-hint">Applies to: Several options or Ranked. 0 means no limit.</p>' in wrapper
    )
    assert 'aria-describedby="config.most-hint"' in wrapper
    assert "data-shown-when-values='[\"ranked\"]'" in html
    assert 'data-shown-when-field="config.extras.detailed"' in html
    # The controlling select itself is not wrapped; nothing is hidden on the server (no-JS shows every field).
    assert html.count("data-shown-when-field") == 3 and " hidden" not in html
    assert html.index('id="config.kind"') < start


def test_fields_of_another_choice_are_still_read_and_kept() -> None:
    """Hidden controls are submitted with their values: the form parses them as any other."""
    parsed, errors = parse_config(Ballot, submitted(most="4", ranks="5", **{"extras.notes": "2"}))
    assert errors == {} and (parsed.kind, parsed.most, parsed.ranks, parsed.extras.notes) == ("single", 4, 5, 2)
    assert parse_config(Ballot, submitted(most="-1", order="id"))[1] == {
        "config.most": "Enter a number of at least 0.",
        "config.order": "Choose one of the offered options.",
    }


def test_a_str_offered_as_a_select_keeps_an_unlisted_stored_value_and_refuses_others() -> None:
    order = by_path(config_fields(Ballot, Ballot(), labels=LABELS), "order")
    assert order.kind == "select" and order.value == "cost,votes"
    assert order.options == [
        ("cost,votes", "Cheaper first, then more votes"),
        ("votes,cost", "More votes first, then cheaper"),
    ]
    html = render([order])
    assert '<option value="cost,votes" selected>Cheaper first, then more votes</option>' in html

    stored = {"order": "votes,id"}
    order = by_path(config_fields(Ballot, stored, labels=LABELS), "order")
    assert order.value == "votes,id" and order.options[-1] == ("votes,id", "Custom: votes then id")
    # Without a "<path>:<value>" label, describe words every value.
    assert by_path(config_fields(Ballot, stored), "order").options[0] == ("cost,votes", "Custom: cost then votes")

    class Plain(msgspec.Struct):
        pick: Annotated[str, one_of("a", "b")] = "a"

    assert config_fields(Plain, {"pick": "z"})[0].options == [("a", "a"), ("b", "b"), ("z", "z")]

    def submit(value: str, current: object = None) -> tuple[object, dict[str, str]]:
        return parse_config(Ballot, submitted(order=value), current=current)

    assert submit("votes,cost")[0].order == "votes,cost"
    assert submit("votes,id", current=stored)[0].order == "votes,id"  # the stored setting, saved unchanged
    for junk in ("votes,id", "", "cost,votes,"):
        parsed, errors = submit(junk)
        assert parsed is None and errors == {"config.order": "Choose one of the offered options."}, junk


def test_the_applies_to_hint_is_translated() -> None:
    from tests.test_config_forms import activate_messages

    activate_messages("nl", {"Applies to: %(choices)s.": "Geldt voor: %(choices)s."})
    most = by_path(config_fields(Ballot, labels={"kind:several": "Meerdere", "kind:ranked": "Rangorde"}), "most")
    assert most.hint == "Geldt voor: Meerdere of Rangorde."


def test_wrong_declarations_are_reported_by_the_conformance_check() -> None:
    class Wrong(msgspec.Struct, kw_only=True):
        kind: Literal["a", "b"] = "a"
        free: str = ""
        x: Annotated[int, shown_when("kind", "c")] = 0
        y: Annotated[int, shown_when("nowhere", "a")] = 0
        z: Annotated[int, shown_when("free", "a")] = 0
        n: Annotated[int, one_of("1", "2")] = 1

    problems = declaration_problems(Wrong)
    assert len(problems) == 4, problems
    assert any("'x'" in p and "['c']" in p for p in problems)
    assert any("'y'" in p and "no sibling field 'nowhere'" in p for p in problems)
    assert any("'z'" in p and "not a select" in p for p in problems)
    assert any("'n'" in p and "one_of is for str fields" in p for p in problems)
    assert declaration_problems(Ballot) == []
    with pytest.raises(ValueError):
        shown_when("kind")
    with pytest.raises(ValueError):
        one_of()
