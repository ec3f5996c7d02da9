"""Every action of a method says how often a person may take it: a class test a method runs with one line.

    from core.testing.ratelimits import RateLimitConformance

    class TestPetitionLimits(RateLimitConformance):
        method = "petition"

``MethodConformance`` runs the same check (``test_actions_declare_rate_limits``), so a method that runs the
conformance suite needs nothing more. An action left at ``rate_limit=None`` still gets ``core.ratelimits.DEFAULT``
at run time; the check fails anyway so the next method cannot forget to think about its residents' pace.
"""

from __future__ import annotations

from typing import Any

from core.ratelimits import RateLimit
from core.specs import ActionSpec


def check_rate_limits(actions: list[ActionSpec]) -> list[str]:
    """Problems with the limits the actions declare (empty when every action declares a sound one).

    A limit must be a ``RateLimit``; unless it is ``UNLIMITED`` on purpose it needs per-IP rates (an address shared
    by a script's many accounts is the other half of the issue), and per-account rates when the action needs an
    account. For a window both count, the address may not be allowed less than one account.
    """
    problems = []
    for action in actions:
        named = [(action.key, action.rate_limit)]
        named += [(f"{action.key}:{step}", limit) for step, limit in action.step_limits.items()]
        for key, limit in named:
            if limit is None:
                problems.append(f"action {key!r} declares no rate_limit (e.g. rate_limit=core.POSTING)")
                continue
            if not isinstance(limit, RateLimit):
                problems.append(f"action {key!r}: rate_limit must be a core.RateLimit, not {type(limit).__name__}")
                continue
            if limit.unlimited:
                continue
            if not limit.ip:
                problems.append(f"action {key!r} has no per-IP rate")
            if action.needs_account and not limit.account:
                problems.append(f"action {key!r} needs an account but has no per-account rate")
            per_account = {rate.seconds: rate.count for rate in limit.account}
            for rate in limit.ip:
                if rate.count < per_account.get(rate.seconds, 0):
                    problems.append(f"action {key!r}: per-IP {rate} allows less than one account in the same window")
    return problems


def method_actions(app: Any, method: str) -> list[ActionSpec]:
    """The actions a method declares: on its ``MethodSpec`` and through its plugin's ``register_actions``."""
    from core.testing.conformance import _flat, call_plugin_hook, method_plugin

    state = app.state.townhall
    spec = state.registry.method(method)
    assert spec is not None, f"method {method!r} is not registered in this app (townhall_plugins?)"
    plugin = method_plugin(state.pm, method)
    assert plugin is not None, f"no plugin provides {method!r}"
    return [*spec.actions, *_flat(call_plugin_hook(state.pm, plugin, "register_actions"))]


class RateLimitConformance:
    """Subclass with ``method = "<key>"`` in a module named ``test_*.py``."""

    method: str = ""

    def test_actions_declare_rate_limits(self, app: Any) -> None:
        assert check_rate_limits(method_actions(app, self.method)) == []
