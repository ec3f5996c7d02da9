"""The plugin contract: hooks validated at start-up, one plugin manager per app, built-ins via entry points, and
conformance checks that really catch broken plugins."""

from __future__ import annotations

import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import msgspec
import pytest

from core import ActionSpec, MethodSpec, PhasePanel, hookimpl
from core.app import create_app
from core.db.engine import Database
from core.plugins import ENTRY_POINT_GROUP, PluginError, Registry, build_plugin_manager
from core.testing.conformance import (
    check_actions,
    check_config,
    check_item_kinds,
    check_registration,
    check_resources,
    method_plugin,
)

ROOT = Path(__file__).resolve().parent.parent


async def _panel(pctx: Any) -> PhasePanel:
    return PhasePanel("dummy/panel.html")


class Config(msgspec.Struct):
    size: int = 1


def method(key: str, *, config: type = Config, actions: tuple = ()) -> MethodSpec:
    return MethodSpec(
        key=key, label="Label", description="Description", config=config, render_phase=_panel, actions=actions
    )


class MethodPlugin:
    def __init__(self, spec: MethodSpec) -> None:
        self.spec = spec

    @hookimpl
    def register_methods(self) -> list[MethodSpec]:
        return [self.spec]


# --- validation at start-up -------------------------------------------------------------------------------------


def test_a_misspelled_hook_refuses_to_start() -> None:
    class Misspelled:
        @hookimpl
        def register_method(self) -> list[Any]:  # "register_methods"
            return []

    with pytest.raises(PluginError, match="register_method"):
        build_plugin_manager([Misspelled()], load_entry_points=False)


def test_a_hook_asking_for_an_unknown_argument_refuses_to_start() -> None:
    class WrongArgs:
        @hookimpl
        def phase_card(self, phase: Any, request: Any, colour: str) -> None:
            return None

    with pytest.raises(PluginError, match="colour"):
        build_plugin_manager([WrongArgs()], load_entry_points=False)


def test_a_correct_plugin_starts_and_may_implement_a_subset_of_arguments() -> None:
    class Fine:
        @hookimpl
        def phase_card(self, phase: Any) -> None:
            return None

    pm = build_plugin_manager([Fine()], load_entry_points=False)
    assert pm.hook.phase_card(phase=object(), request=None) == []


@pytest.mark.parametrize("key", ["Dummy", "my_method", "my-method", "1st", "x", "a" * 41])
def test_method_keys_must_be_slugs(key: str) -> None:
    pm = build_plugin_manager([MethodPlugin(method(key))], load_entry_points=False)
    with pytest.raises(PluginError, match="method key"):
        Registry.gather(pm)


def test_two_plugins_cannot_offer_the_same_method() -> None:
    pm = build_plugin_manager([MethodPlugin(method("same")), MethodPlugin(method("same"))], load_entry_points=False)
    with pytest.raises(PluginError, match="two plugins"):
        Registry.gather(pm)


def test_create_app_refuses_a_misspelled_hook(townhall_settings: Any) -> None:
    class Misspelled:
        @hookimpl
        def on_events(self, event: Any) -> None:
            return None

    with pytest.raises(PluginError):
        create_app(msgspec.structs.replace(townhall_settings, plugins=[Misspelled()]))


# --- one plugin manager per app ---------------------------------------------------------------------------------


async def test_two_apps_with_different_plugins_do_not_see_each_other(
    app: Any, townhall_settings: Any, client: Any, factory: Any, tenant: Any
) -> None:
    extra = MethodPlugin(method("onlyhere"))
    other = create_app(msgspec.structs.replace(townhall_settings, plugins=[extra]))
    await other.state.townhall.db.dispose()
    other.state.townhall.db = Database(townhall_settings.database_url, pooled=False)  # as the app fixture does
    try:
        mine, theirs = app.state.townhall, other.state.townhall
        assert mine.pm is not theirs.pm
        assert "dummy" in mine.registry.methods and "dummy" not in theirs.registry.methods
        assert "onlyhere" in theirs.registry.methods and "onlyhere" not in mine.registry.methods
        assert theirs.pm.is_registered(extra) and not mine.pm.is_registered(extra)
        assert {lin.name for lin in mine.registry.lineages} - {lin.name for lin in theirs.registry.lineages} == {
            "dummy"
        }

        project = await factory.project(tenant)
        phase = await factory.phase(project, "dummy")
        path = f"/projects/{project.slug}/phases/{phase.id}"
        here = await client.get(path)
        assert here.status_code == 200 and 'id="dummy-panel"' in here.text

        from litestar.testing import AsyncTestClient

        async with AsyncTestClient(app=other, base_url="http://city.test") as other_client:
            there = await other_client.get(path)
            assert there.status_code == 200
            assert "Method unavailable" in there.text and 'id="dummy-panel"' not in there.text
            assert (await other_client.get(f"/p/{phase.id}/dummy/count")).status_code == 404
    finally:
        await other.state.townhall.db.dispose()


async def test_a_method_route_refuses_a_phase_of_another_method(client: Any, factory: Any, tenant: Any) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "notinstalled")
    assert (await client.get(f"/p/{phase.id}/dummy/count")).status_code == 404


# --- built-in plugins load through entry points -----------------------------------------------------------------


def test_pyproject_declares_the_entry_point_group_and_it_is_installed() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    assert ENTRY_POINT_GROUP in declared, 'pyproject.toml lacks [project.entry-points."townhall.plugins"]'
    installed = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for name, target in declared[ENTRY_POINT_GROUP].items():
        assert installed.get(name) == target, f"entry point {name} is not installed: run `pip install -e .`"


def test_built_in_plugins_are_registered_under_their_entry_point_names(app: Any) -> None:
    pm = app.state.townhall.pm
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        assert pm.get_plugin(ep.name) is ep.load()
    assert pm.get_plugin("tests.dummy_method.plugin") is not None  # settings.plugins, not an entry point
    assert "dummy" not in {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}


def test_only_plugins_restricts_the_entry_points() -> None:
    pm = build_plugin_manager(only=[])
    assert not any(pm.has_plugin(ep.name) for ep in entry_points(group=ENTRY_POINT_GROUP))


# --- the conformance checks catch what they claim to catch -----------------------------------------------------


def test_conformance_accepts_the_dummy_method(app: Any) -> None:
    pm = app.state.townhall.pm
    plugin = method_plugin(pm, "dummy")
    spec = app.state.townhall.registry.method("dummy")
    assert check_registration(pm, "dummy") == []
    assert check_config(spec) == []
    assert check_actions(pm, plugin, spec) == []
    assert check_resources(pm, plugin, "dummy") == []
    assert check_item_kinds(app.state.townhall.registry.item_kinds, "dummy") == []


def test_conformance_rejects_a_hideable_item_kind_without_hidden_ids(app: Any) -> None:
    from dataclasses import replace

    kinds = dict(app.state.townhall.registry.item_kinds)
    kinds["dummy.phase"] = replace(kinds["dummy.phase"], hidden_ids=None)
    assert any("hidden_ids" in p for p in check_item_kinds(kinds, "dummy"))
    assert check_item_kinds(kinds, "ideation") == []


def test_conformance_rejects_a_config_field_without_default() -> None:
    class NoDefault(msgspec.Struct):
        size: int

    assert any("default" in p for p in check_config(method("nodefault", config=NoDefault)))


def test_conformance_rejects_a_config_that_refuses_old_rows() -> None:
    class Strict(msgspec.Struct, forbid_unknown_fields=True):
        size: int = 1

    assert any("removed field" in p for p in check_config(method("strict", config=Strict)))


def test_conformance_rejects_unnamespaced_actions_and_unknown_levels() -> None:
    spec = method("ns", actions=(ActionSpec("vote", "Vote"), ActionSpec("ns.post", "Post", "moderators")))
    plugin = MethodPlugin(spec)
    pm = build_plugin_manager([plugin], load_entry_points=False)
    problems = check_actions(pm, plugin, spec)
    assert any("'vote' is not namespaced" in p for p in problems)
    assert any("unknown default level" in p for p in problems)


def test_conformance_rejects_resources_outside_the_method_namespace(tmp_path: Path) -> None:
    class Resources(MethodPlugin):
        @hookimpl
        def register_templates(self) -> list[Any]:
            return [("shared", tmp_path)]

        @hookimpl
        def register_static(self) -> list[Any]:
            return [("res", tmp_path / "missing")]

    plugin = Resources(method("res"))
    pm = build_plugin_manager([plugin], load_entry_points=False)
    problems = check_resources(pm, plugin, "res")
    assert any("namespace 'shared'" in p for p in problems)
    assert any("does not exist" in p for p in problems)
    assert any("translation domain" in p for p in problems)


def test_conformance_notices_a_method_registered_twice() -> None:
    pm = build_plugin_manager([MethodPlugin(method("twice"))], load_entry_points=False)
    pm.register(MethodPlugin(method("twice")), name="again")
    assert any("2 times" in p for p in check_registration(pm, "twice"))
