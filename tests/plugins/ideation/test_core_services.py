"""The core services this method introduced (sanitize, exports, uploads, audit) and its local text analysis."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from core import audit, exports, sanitize, uploads
from core.models import AuditEntry
from plugins.ideation import text
from plugins.ideation import themes as clustering


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<a href="https://x" onclick="alert(1)">x</a>',
        "![img](https://evil/x.png)",
        "<style>body{}</style>",
        '<svg onload="alert(1)">',
    ],
)
def test_sanitizer_removes_active_content(source: str) -> None:
    html = str(sanitize.markdown_to_html(source))
    assert "<script" not in html and "javascript:" not in html.replace("(javascript:", "")
    assert (
        re.search(r"<[^>]*\son\w+=", html) is None
        and "<img" not in html
        and "<style" not in html
        and "<svg" not in html
    )


def test_sanitizer_keeps_formatting_and_marks_links() -> None:
    html = str(sanitize.markdown_to_html("**b** *i*\n\n- one\n- two\n\n[site](https://example.org)"))
    assert "<strong>b</strong>" in html and "<em>i</em>" in html and "<li>one</li>" in html
    assert '<a href="https://example.org" rel="nofollow noopener ugc">site</a>' in html
    assert sanitize.plain_text("**Hello** <b>there</b> & [x](https://a)", 100) == "Hello <b>there</b> & x"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@x", "\tx", "\rx"])
def test_formula_prefixes_are_neutralised(value: str) -> None:
    assert exports.neutralise(value) == "'" + value
    assert exports.neutralise(-1) == -1 and exports.neutralise("plain") == "plain" and exports.neutralise(None) == ""


def test_csv_and_xlsx_writers() -> None:
    header, rows = ["a", "b"], [["=cmd", 3], ["ok\x01", None]]
    csv_bytes = exports.to_csv(header, rows)
    assert csv_bytes.startswith("\ufeff".encode()) and b"'=cmd,3" in csv_bytes
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(header, rows))).active
    assert [c.value for c in sheet[2]] == ["'=cmd", 3]
    assert sheet["A3"].value == "ok"
    with pytest.raises(ValueError):
        exports.table_download(header, rows, basename="x", fmt="pdf")
    assert exports.safe_filename('../"evil"\r\n.csv') == "evil-.csv"


def test_upload_checks(tmp_path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 10
    assert uploads.sniff_image(png) == "png"
    assert uploads.sniff_image(b"\xff\xd8\xff\xe0") == "jpg"
    assert uploads.sniff_image(b"RIFF1234WEBPVP8 ") == "webp"
    assert uploads.sniff_image(b"<svg") is None
    with pytest.raises(uploads.UploadError) as err:
        uploads.check_image(png, max_bytes=5)
    assert err.value.code == "too_large"
    stored = uploads.save_image(tmp_path, 7, png)
    assert stored.name.startswith("7/") and stored.name.endswith(".png") and stored.content_type == "image/png"
    assert uploads.resolve(tmp_path, stored.name).read_bytes() == png
    from litestar.exceptions import NotFoundException

    for bad in ("../etc/passwd", "7/../../x.png", "7/abc.png"):
        with pytest.raises(NotFoundException):
            uploads.resolve(tmp_path, bad)


async def test_audit_record(factory, tenant) -> None:
    user = await factory.user(tenant)
    async with factory.db.session(tenant.id, write=True) as session:
        audit.record(session, user, "x.did", ("thing", 5), {"k": 1}, public=True)
        audit.record(session, None, "x.system")
    async with factory.db.session(tenant.id) as session:
        from sqlalchemy import select

        rows = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(r.actor_id, r.action, r.target_type, r.target_id, r.public) for r in rows] == [
        (user.id, "x.did", "thing", 5, True),
        (None, "x.system", "", None, False),
    ]


def test_similarity_ignores_case_accents_and_stopwords() -> None:
    assert text.similarity("Plus d'ARBRES dans la ville", "plus d'arbres") > 0.6
    assert text.similarity("More trees", "Bike lanes") < 0.2
    found = text.most_similar("tree park", [(1, "Trees in the park"), (2, "Bus lanes"), (3, "Park benches")])
    assert next(i for i, _t, _s in found) == 1 and 2 not in [i for i, _t, _s in found]


def test_themes_group_related_ideas() -> None:
    items = [
        (1, "bike lanes bike safety cycling"),
        (2, "safe cycling bike lanes school"),
        (3, "bike parking cycling station"),
        (4, "library opening hours books"),
        (5, "library books sunday hours"),
        (6, "books library reading room"),
    ]
    themes = clustering.themes(items, k=2)
    groups = sorted(sorted(t.idea_ids) for t in themes)
    assert groups == [[1, 2, 3], [4, 5, 6]]
    assert any("library" in t.terms for t in themes) and any("bike" in t.terms for t in themes)
    assert clustering.themes([]) == [] and clustering.themes(items, k=2) == themes  # deterministic
