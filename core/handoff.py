"""Hand-over between phases: a phase takes its input from an earlier phase of the same project.

The earlier phase's plugin answers the ``phase_outputs`` hook; the later phase's plugin calls these helpers and never
imports the other plugin's models.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Phase
from core.specs import PhaseOutput


def _plugin_manager(source: Any) -> Any:
    """A plugin manager from a request context, an app state or a plugin manager."""
    if hasattr(source, "hook"):
        return source
    app = getattr(source, "app", source)
    return app.pm


def _provider(source: Any, phase: Phase) -> Any:
    for result in _plugin_manager(source).hook.phase_outputs(phase=phase):
        if result is not None:
            return result
    return None


def has_phase_outputs(ctx_or_app_pm: Any, phase: Phase) -> bool:
    """Whether the plugin of the phase's method hands its outputs to later phases."""
    return _provider(ctx_or_app_pm, phase) is not None


async def phase_outputs(ctx_or_app_pm: Any, session: AsyncSession, phase: Phase) -> list[PhaseOutput]:
    """What the phase produced, as its method's plugin lists it; empty when the method offers no outputs.

    ``session`` must be scoped to the phase's tenant (the request's session is).
    """
    provider = _provider(ctx_or_app_pm, phase)
    if provider is None:
        return []
    return list(await provider(session))
