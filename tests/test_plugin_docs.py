"""docs/plugin_hooks.md documents every hook of core/hookspecs.py with its exact signature."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs

DOC = Path(__file__).resolve().parent.parent / "docs" / "plugin_hooks.md"
HEADING = re.compile(r"^## `(?P<name>\w+)\((?P<params>.*)\) -> (?P<returns>.+)`\s*$", re.MULTILINE)


def spec_hooks() -> dict[str, str]:
    """Hook name → ``name(param: Annotation, ...) -> Return`` as written in core/hookspecs.py."""
    hooks = {}
    for name, fn in vars(hookspecs).items():
        if inspect.isfunction(fn) and hasattr(fn, "townhall_spec"):
            sig = inspect.signature(fn)
            params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
            hooks[name] = f"{name}({params}) -> {sig.return_annotation}"
    return hooks


def documented_hooks(text: str) -> dict[str, str]:
    return {m["name"]: f"{m['name']}({m['params']}) -> {m['returns']}" for m in HEADING.finditer(text)}


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## ", text, flags=re.MULTILINE)
    return {part.split("(", 1)[0].strip("`"): part for part in parts[1:]}


def test_the_hookspec_module_declares_hooks() -> None:
    assert len(spec_hooks()) >= 17
    assert "permission_verdict" in spec_hooks()


def test_every_hook_is_documented_with_its_exact_signature() -> None:
    documented = documented_hooks(DOC.read_text(encoding="utf-8"))
    for name, signature in spec_hooks().items():
        assert name in documented, f"hook {name} is missing from docs/plugin_hooks.md"
        assert documented[name] == signature, f"documented {documented[name]!r} but the spec is {signature!r}"


def test_the_docs_describe_no_hook_that_does_not_exist() -> None:
    extra = set(documented_hooks(DOC.read_text(encoding="utf-8"))) - set(spec_hooks())
    assert extra == set()


@pytest.mark.parametrize("name", sorted(spec_hooks()))
def test_each_hook_says_when_it_is_called_what_it_returns_with_an_example(name: str) -> None:
    section = sections(DOC.read_text(encoding="utf-8"))[name]
    assert "**Called:**" in section
    assert "**Returns:**" in section
    assert "**Example:**" in section and "```python" in section and "@hookimpl" in section


def test_the_checker_notices_a_changed_signature() -> None:
    """The parser is not vacuous: a doc whose signature drifted is told apart from the spec."""
    text = DOC.read_text(encoding="utf-8").replace(
        "## `phase_card(phase: Phase, request: Any)", "## `phase_card(phase: Phase, request: Any, extra: int)"
    )
    assert documented_hooks(text)["phase_card"] != spec_hooks()["phase_card"]
    assert "phase_card" not in documented_hooks(text.replace("## `phase_card(", "## phase_card("))
