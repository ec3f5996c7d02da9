"""A winner of the Method of Equal Shares lists its largest payments and sums up the rest in one line: with
40,000 different ballots a winner had 482 different amounts, hundreds of lines most of them equal to the cent."""

from __future__ import annotations

from fractions import Fraction

from plugins.budgeting.controllers import PAYMENTS_SHOWN, paid_between_text, payment_lines
from plugins.budgeting.rules import Payment


def payments(n: int) -> tuple[Payment, ...]:
    """``n`` amounts, largest first as a step lists them; amount k paid by k + 1 voters."""
    return tuple(Payment(Fraction(100 - k, 3), k + 1) for k in range(n))


def test_a_few_payments_are_all_listed() -> None:
    for n in (0, 1, PAYMENTS_SHOWN, PAYMENTS_SHOWN + 1):  # one line is never summed up on its own
        lines = payment_lines(payments(n))
        assert lines.shown == payments(n) and lines.other_voters == 0 and lines.lowest is None


def test_the_smaller_payments_are_summed_up() -> None:
    lines = payment_lines(payments(9))
    assert lines.shown == payments(9)[:PAYMENTS_SHOWN]
    assert lines.other_voters == 6 + 7 + 8 + 9
    assert (lines.lowest, lines.highest) == (Fraction(92, 3), Fraction(95, 3))
    assert sum(p.voters for p in lines.shown) + lines.other_voters == sum(p.voters for p in payments(9))


def test_the_summary_line_is_translated() -> None:
    from pathlib import Path

    import plugins.budgeting
    from core.i18n import activate, load_catalog

    LOCALE_DIR = Path(plugins.budgeting.__file__).parent / "locale"
    assert paid_between_text(30, "€1", "€2") == "30 other voters paid between €1 and €2"
    assert paid_between_text(1234, "€1", "€2", "1,234") == "1,234 other voters paid between €1 and €2"
    activate("nl", load_catalog(LOCALE_DIR, "nl", "budgeting"))
    try:
        assert paid_between_text(30, "€1", "€2") == "30 andere kiezers betaalden tussen €1 en €2"
    finally:
        activate("en", None)  # type: ignore[arg-type]
