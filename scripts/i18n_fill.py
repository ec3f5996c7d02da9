"""Developer tool for translators: list what a catalog lacks, or write translations into it.

    python scripts/i18n_fill.py missing --pot i18n/core.pot --po i18n/nl/LC_MESSAGES/core.po > todo.json
    python scripts/i18n_fill.py apply --po i18n/nl/LC_MESSAGES/core.po done.json

``missing`` prints a JSON object {msgid: ""} of the template's messages that are absent, empty or fuzzy in the
catalog (plural messages as {msgid: ["", ""]}); ``apply`` fills a catalog from such an object (now translated),
clearing fuzzy flags, and keeps everything else.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def missing(pot: Path, po: Path) -> dict[str, object]:
    template = _read(pot)
    catalog = _read(po) if po.exists() else Catalog()
    todo: dict[str, object] = {}
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        plural = not isinstance(message.id, str)
        empty = found is None or found.fuzzy or (not all(found.string) if plural else not found.string)
        if empty:
            todo[_key(message.id)] = ["", ""] if plural else ""
    return todo


def apply(po: Path, translations: dict[str, object]) -> int:
    locale = po.parent.parent.name
    catalog = _read(po, locale)
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        value = translations.get(_key(message.id))
        if not value:
            continue
        message.string = tuple(value) if isinstance(value, list) else value
        message.flags.discard("fuzzy")
        changed += 1
    with po.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    m = sub.add_parser("missing")
    m.add_argument("--pot", type=Path, required=True)
    m.add_argument("--po", type=Path, required=True)
    a = sub.add_parser("apply")
    a.add_argument("--po", type=Path, required=True)
    a.add_argument("translations", type=Path)
    args = parser.parse_args()
    if args.command == "missing":
        json.dump(missing(args.pot, args.po), sys.stdout, ensure_ascii=False, indent=1)
    else:
        count = apply(args.po, json.loads(args.translations.read_text(encoding="utf-8")))
        print(f"{count} messages written to {args.po}")


if __name__ == "__main__":
    main()
