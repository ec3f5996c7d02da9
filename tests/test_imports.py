"""The core's offline import: reading files, mapping columns, checking rows, declaring imports, the staff gate.

The full upload → preview → confirm journey is tested through the two methods that use it:
tests/plugins/ideation/test_import.py and tests/plugins/budgeting/test_web_paper_import.py.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from core import ImportColumn, ImportContext, ImportSpec, RowError, hookimpl, lazy_gettext
from core.imports import ImportFileError, check_rows, guess_mapping, read_mapping, read_table
from core.imports.checking import unmapped_required
from core.plugins import PluginError, Registry, build_plugin_manager


def _xlsx(*rows: list[Any]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- reading


def test_csv_encoding_and_delimiter_are_sniffed() -> None:
    semicolons = "\ufeffTitel;Wijk\nBänke am Teich;Noord\n".encode()
    assert read_table("a.csv", semicolons).rows == [["Bänke am Teich", "Noord"]]
    windows = "Title,Area\nCafé,Zuid\n".encode("cp1252")
    assert read_table("b.csv", windows).rows == [["Café", "Zuid"]]
    tabs = read_table("c.csv", b"Title\tArea\nA\tB\n")
    assert tabs.header == ["Title", "Area"] and tabs.rows == [["A", "B"]]
    quoted = read_table("d.csv", b'Number,Options\nB1,"Option 1; Option 2"\n')
    assert quoted.rows == [["B1", "Option 1; Option 2"]]


def test_rows_are_padded_and_blank_rows_keep_the_numbering() -> None:
    table = read_table("a.csv", b"A,B,\nx\n,,\ny,z,w\n\n,\n")
    assert table.header == ["A", "B", "#3"]
    assert table.rows == [["x", "", ""], ["", "", ""], ["y", "z", "w"]]
    results = check_rows(SPEC, _ictx(), table.rows, {"name": 0, "count": None, "note": None})
    assert [r.number for r in results] == [2, 4]


def test_xlsx_formulas_stay_text_and_whole_numbers_read_as_typed() -> None:
    table = read_table("a.xlsx", _xlsx(["Number", "Total"], [17, "=SUM(A1:A3)"], [2.5, None]))
    assert table.rows == [["17", "=SUM(A1:A3)"], ["2.5", ""]]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.csv", b"", "The file is empty."),
        ("a.xlsx", b"not a zip", "could not be read"),
        ("a.csv", b"A,B\x00\n1,2\n", "could not be read"),
        ("a.csv", b"only,a,header\n", "header row and at least one row"),
        ("a.csv", b"A\n" + b"x\n" * 11, "at most 10 rows"),
        ("a.csv", b"A\n" + b"x" * 200, "too large"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        read_table(name, data, max_rows=10, max_bytes=150)


# ---------------------------------------------------------------- mapping and checks


def _even(text: str, ictx: ImportContext) -> int:
    if not text.isdigit() or int(text) % 2:
        raise RowError(f"{text} is not an even number")
    return int(text)


def _total(values: dict[str, Any], ictx: ImportContext) -> list[RowError]:
    ictx.data.setdefault("seen", set())
    if values["name"] in ictx.data["seen"]:
        return [RowError("twice", "name")]
    ictx.data["seen"].add(values["name"])
    values["double"] = values["count"] * 2
    return []


async def _write(session: Any, phase: Any, rows: list[dict[str, Any]], source: str, actor: Any) -> int:
    return len(rows)


SPEC = ImportSpec(
    key="dummy.pledges",
    label="Pledges",
    columns=(
        ImportColumn("name", lazy_gettext("Name"), required=True, aliases=("naam", "Nom"), missing="no name"),
        ImportColumn("count", "Count", parse=_even, aliases=("aantal",)),
        ImportColumn("note", "Note", required=True),
    ),
    check_row=_total,
    write=_write,
)


def _ictx() -> ImportContext:
    return ImportContext(phase=None, config=None, tenant=None, actor=None, locale="en")


def test_the_mapping_is_guessed_from_keys_labels_and_aliases_once_per_header() -> None:
    assert guess_mapping(SPEC, ["NOM", "Aantal", "naam"]) == {"name": 0, "count": 1, "note": None}
    assert guess_mapping(SPEC, ["count", "note"]) == {"name": None, "count": 0, "note": 1}
    chosen = read_mapping(SPEC, ["a", "b", "naam"], {"map_name": "0", "map_count": "", "map_note": "9"})
    assert chosen == {"name": 0, "count": None, "note": None}
    assert read_mapping(SPEC, ["a", "naam"], {}) == {"name": 1, "count": None, "note": None}
    assert [str(label) for label in unmapped_required(SPEC, chosen)] == ["Note"]


def test_rows_are_checked_cell_by_cell_then_as_a_whole() -> None:
    rows = [["Ann", "4", "x"], ["", "3", "x"], ["Bob", "2", ""], ["Ann", "2", "y"]]
    results = check_rows(SPEC, _ictx(), rows, {"name": 0, "count": 1, "note": 2})
    assert [r.number for r in results] == [2, 3, 4, 5]
    assert results[0].ok and results[0].values == {"name": "Ann", "count": 4, "note": "x", "double": 8}
    assert [(e.column, e.message) for e in results[1].errors] == [
        ("name", "no name"),
        ("count", "3 is not an even number"),
    ]
    assert [(e.column, e.message) for e in results[2].errors] == [("note", "“Note” is empty.")]
    assert [(e.column, e.message) for e in results[3].errors] == [("name", "twice")]
    assert results[3].text == {"name": "Ann", "count": "2", "note": "y"}


# ---------------------------------------------------------------- declaring imports


class _Declares:
    def __init__(self, *specs: ImportSpec) -> None:
        self.specs = specs

    @hookimpl
    def register_imports(self) -> list[ImportSpec]:
        return list(self.specs)


def test_the_registry_gathers_imports_and_refuses_bad_declarations() -> None:
    registry = Registry.gather(build_plugin_manager([_Declares(SPEC)], load_entry_points=False))
    assert registry.imports == {"dummy.pledges": SPEC}
    assert registry.imports_for("dummy") == [SPEC]
    bad_key = ImportSpec(key="pledges", label="x", columns=SPEC.columns, write=_write)
    twice = ImportSpec(key="dummy.twice", label="x", columns=(SPEC.columns[0], SPEC.columns[0]), write=_write)
    for plugins in ([_Declares(bad_key)], [_Declares(twice)], [_Declares(SPEC), _Declares(SPEC)]):
        with pytest.raises(PluginError):
            Registry.gather(build_plugin_manager(plugins, load_entry_points=False))


# ---------------------------------------------------------------- the pages' gate


async def test_project_moderators_may_import_other_residents_and_tenants_may_not(
    client, factory, tenant, other_tenant
) -> None:
    project = await factory.project(tenant)
    phase = await factory.phase(project, "ideation")
    url = f"/p/{phase.id}/import/ideation.ideas"
    resident = await factory.user(tenant)
    await factory.login(client, resident)
    assert (await client.get(url)).status_code == 403
    await factory.moderator(project, resident)
    page = await client.get(url)
    assert page.status_code == 200 and 'id="import-template"' in page.text
    template = await client.get(f"{url}/template.csv")
    assert template.text.lstrip("\ufeff").splitlines()[0] == "Title,Description,Topics,Area,Latitude,Longitude,Language"
    assert (await client.get(f"/p/{phase.id}/import/budgeting.paper")).status_code == 404
    assert (await client.get(f"/p/{phase.id}/import/ideation.nothing")).status_code == 404
    elsewhere = await factory.phase(await factory.project(other_tenant), "ideation")
    await factory.login(client, await factory.user(tenant, role="admin"))
    assert (await client.get(f"/p/{elsewhere.id}/import/ideation.ideas")).status_code == 404
