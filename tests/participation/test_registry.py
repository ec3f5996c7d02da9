"""The item-kind registry and the reaction limit rule, without HTTP."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core import ItemKind, ParticipationRules
from core.participation import registry
from core.participation.items import Item
from core.participation.reactions import limit_verdict
from core.permissions import ALLOWED


async def _load(_session, _id):
    return None


def _kind(name: str) -> ItemKind:
    return ItemKind(kind=name, load=_load, phase_id=lambda o: 1, title=str, url=lambda p, o: "/", rules=lambda p: None)


def test_kinds_must_belong_to_a_registered_method_and_be_unique() -> None:
    assert set(registry.gather([[_kind("dummy.phase")]], {"dummy"})) == {"dummy.phase"}
    with pytest.raises(ValueError, match="registered method"):
        registry.gather([[_kind("nomethod.thing")]], {"dummy"})
    with pytest.raises(ValueError, match="registered method"):
        registry.gather([[_kind("dummy")]], {"dummy"})
    with pytest.raises(ValueError, match="two plugins"):
        registry.gather([[_kind("dummy.phase")], [_kind("dummy.phase")]], {"dummy"})


def test_the_app_registry_knows_the_dummy_kind(app) -> None:
    assert "dummy.phase" in app.state.townhall.registry.item_kinds


def _item(rules: ParticipationRules, kind: str = "dummy.phase") -> Item:
    adapter = _kind("dummy.phase")
    adapter = ItemKind(**{**adapter.__dict__, "rules": lambda p: rules})
    pctx = SimpleNamespace(
        user=SimpleNamespace(id=1), can=lambda action, item=None: ALLOWED, rules_for=lambda a: a.rules(None)
    )
    return Item(kind, 1, SimpleNamespace(), adapter, pctx)


def test_limits_count_per_kind_and_switching_back_is_free() -> None:
    rules = ParticipationRules(actions={"react": "dummy.react"}, limits={"like": 2})
    item = _item(rules)
    assert limit_verdict(item, "like", {"like": 1}, None).allowed
    assert limit_verdict(item, "like", {"like": 2}, None).reason == "limit_reached"
    assert limit_verdict(item, "like", {"like": 2}, "like").allowed
    assert limit_verdict(item, "dislike", {"like": 2}, None).allowed
    assert limit_verdict(_item(ParticipationRules(), "dummy.phase"), "like", {}, None).reason == "action_disabled"
    up_only = _item(ParticipationRules(actions={"react": "x"}, reactions=("up",)))
    assert limit_verdict(up_only, "like", {}, None).reason == "action_disabled"
