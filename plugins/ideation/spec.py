"""The ideation method's manifest: its configuration Struct, its actions and its statuses."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from core import COMMENTING, EDITING, POSTING, REACTING, ActionSpec, MethodSpec, PhasePanel, lazy_gettext, phase_config

KEY = "ideation"

Limit = Annotated[int, Meta(ge=0, le=10000)]  # 0 means no limit: the labels say so, translated


class IdeationConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    """Per-phase settings; every field has a default so stored configs keep decoding when fields are added."""

    submission_enabled: bool = True
    commenting_enabled: bool = True
    reacting_enabled: bool = True
    dislikes_enabled: bool = False
    like_limit: Limit = 0
    dislike_limit: Limit = 0
    posting_limit: Limit = 0
    anonymous_allowed: bool = False
    collect_location: bool = False
    require_topic: bool = False
    require_area: bool = False
    require_location: bool = False
    require_image: bool = False
    presentation: Literal["cards", "list", "map"] = "cards"
    default_sort: Literal["random", "newest", "reactions", "discussed"] = "random"
    comment_edit_minutes: Annotated[int, Meta(ge=0, le=10080)] = 15
    auto_hide_reports: Annotated[int, Meta(ge=1, le=1000)] = 3
    page_size: Annotated[int, Meta(ge=5, le=100)] = 20


CONFIG_LABELS = {
    "submission_enabled": lazy_gettext("Residents can post ideas"),
    "commenting_enabled": lazy_gettext("Residents can comment"),
    "reacting_enabled": lazy_gettext("Residents can react"),
    "dislikes_enabled": lazy_gettext("Allow dislikes"),
    "like_limit": lazy_gettext("Likes per person in this phase (0 = no limit)"),
    "dislike_limit": lazy_gettext("Dislikes per person in this phase (0 = no limit)"),
    "posting_limit": lazy_gettext("Ideas per person in this phase (0 = no limit)"),
    "anonymous_allowed": lazy_gettext("Residents may post anonymously"),
    "collect_location": lazy_gettext("Ask for a location on the map"),
    "require_topic": lazy_gettext("A topic is required"),
    "require_area": lazy_gettext("An area is required"),
    "require_location": lazy_gettext("A location is required"),
    "require_image": lazy_gettext("An image is required"),
    "presentation": lazy_gettext("Show ideas as"),
    "default_sort": lazy_gettext("Default order"),
    "comment_edit_minutes": lazy_gettext("Minutes during which a comment can be edited"),
    "auto_hide_reports": lazy_gettext("Reports after which content is hidden until reviewed"),
    "page_size": lazy_gettext("Ideas per page"),
}

ACTIONS = (
    # Posting is limited more tightly than changing one's own idea (step "edit": editing and withdrawing).
    ActionSpec(
        "ideation.post", lazy_gettext("Post an idea"), "registered", rate_limit=POSTING, step_limits={"edit": EDITING}
    ),
    ActionSpec("ideation.comment", lazy_gettext("Comment"), "registered", rate_limit=COMMENTING),
    ActionSpec("ideation.react", lazy_gettext("React"), "registered", rate_limit=REACTING),
)

# Built-in statuses; tenants add their own (IdeaStatus rows, keys prefixed "c-").
STATUSES: dict[str, dict[str, object]] = {
    "proposed": {"msgid": "Proposed", "label": lazy_gettext("Proposed"), "colour": "#475569"},
    "under_consideration": {
        "msgid": "Under consideration",
        "label": lazy_gettext("Under consideration"),
        "colour": "#1d4ed8",
    },
    "accepted": {"msgid": "Accepted", "label": lazy_gettext("Accepted"), "colour": "#047857"},
    "implemented": {"msgid": "Implemented", "label": lazy_gettext("Implemented"), "colour": "#6d28d9"},
    "rejected": {"msgid": "Rejected", "label": lazy_gettext("Rejected"), "colour": "#b91c1c"},
}
DEFAULT_STATUS = "proposed"

SORTS = {
    "random": lazy_gettext("Random"),
    "newest": lazy_gettext("Newest"),
    "reactions": lazy_gettext("Most reactions"),
    "discussed": lazy_gettext("Most discussed"),
}


def config_of(phase: object) -> IdeationConfig:
    """The phase's config decoded (once per loaded phase); a stored value that no longer fits falls back to the
    defaults."""
    return phase_config(phase, IdeationConfig)


async def _render_phase(pctx: object) -> PhasePanel:
    from plugins.ideation.controllers import phase_panel

    return await phase_panel(pctx)


METHOD = MethodSpec(
    key=KEY,
    label=lazy_gettext("Ideation"),
    description=lazy_gettext("Residents post ideas, discuss them and react; the municipality answers each one."),
    config=IdeationConfig,
    render_phase=_render_phase,
    icon="💡",
    actions=ACTIONS,
    # The choices of the two selects in words, not their stored keys.
    config_labels={
        **CONFIG_LABELS,
        "presentation:cards": lazy_gettext("Cards"),
        "presentation:list": lazy_gettext("List"),
        "presentation:map": lazy_gettext("Map"),
        **{f"default_sort:{key}": label for key, label in SORTS.items()},
    },
    manage_path="/p/{phase_id}/ideation/statuses",  # the statuses and official answers of ideas
    public_events={"ideation.idea_posted": lazy_gettext("A new idea was posted")},
)
