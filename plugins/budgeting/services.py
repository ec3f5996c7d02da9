"""Budgeting services: carts, ballot checks and submission, tallies, pabulib import/export.

Everything here is async database work over the request's tenant-scoped session; the rules themselves live in
``plugins.budgeting.rules`` (pure, exact, no database).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict, defaultdict
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import msgspec
from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import Phase, User, Verdict, audit, currency_digits, denied, prescoped
from core import gettext as _

from .adapter import budget_election, budget_meta
from .models import Ballot, Budget, Cart, Option
from .rules import (
    VOTES_ONLY_RULES,
    ElectionError,
    Outcome,
    compute,
    compute_from_votes,
    format_amount,
    parse_pb,
    rule_names,
    write_pb,
)
from .rules.election import Election, Project, Voter
from .spec import SOURCE_LABELS, VOTE_ACTION, BudgetingConfig

MAX_OPTIONS_PER_BUDGET = 2000


class CartRefused(Exception):
    """A cart edit that cannot be applied; the message is translated and meant for the voter.

    ``items`` is the cart as the refused submit found it, for the page that says why (the submit has already
    claimed the row in its transaction, which the refusal rolls back)."""

    def __init__(self, message: str, items: list | None = None) -> None:
        super().__init__(message)
        self.items = items


class BallotSubmitted(Exception):
    """A cart edit that lost the race against the voter's own submit: the ballot is stored, the cart is gone.

    The handler answers it with the same ``already_done`` verdict as an edit that came after the submit, and the
    transaction is rolled back, so nothing the edit did is kept.
    """


# ---------------------------------------------------------------- money


def parse_money(text: str, currency: str) -> int | None:
    """A staff-typed amount in major units ("1500", "1500.50", "1 500,50") as minor units, or None if invalid."""
    cleaned = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    minor = value.scaleb(currency_digits(currency))
    if minor != minor.to_integral_value() or minor > 10**15:
        return None
    return int(minor)


def major_text(minor: int, currency: str) -> str:
    """Minor units back to the plain text a staff form shows ("1500.5")."""
    return format_amount(Fraction(minor, 10 ** currency_digits(currency)))


def to_minor(amount: Fraction, currency: str) -> Fraction:
    return amount * 10 ** currency_digits(currency)


# ---------------------------------------------------------------- reading


async def budgets_of(session: AsyncSession, phase_id: int) -> list[Budget]:
    stmt = select(Budget).where(Budget.phase_id == phase_id).order_by(Budget.position, Budget.id)
    return list((await session.scalars(stmt)).all())


async def options_of(session: AsyncSession, budget_id: int) -> list[Option]:
    stmt = select(Option).where(Option.budget_id == budget_id).order_by(Option.position, Option.id)
    return list((await session.scalars(stmt)).all())


async def options_of_phase(session: AsyncSession, phase_id: int) -> dict[int, list[Option]]:
    stmt = select(Option).where(Option.phase_id == phase_id).order_by(Option.position, Option.id)
    grouped: dict[int, list[Option]] = defaultdict(list)
    for option in (await session.scalars(stmt)).all():
        grouped[option.budget_id].append(option)
    return grouped


async def budgets_with_options(session: AsyncSession, phase_id: int) -> list[tuple[Budget, list[Option]]]:
    """The phase's budgets in order, each with its options in order, in one statement."""
    stmt = (
        select(Budget, Option)
        .outerjoin(Option, Option.budget_id == Budget.id)
        .where(Budget.phase_id == phase_id)
        .order_by(Budget.position, Budget.id, Option.position, Option.id)
    )
    found: dict[int, tuple[Budget, list[Option]]] = {}
    for budget, option in (await session.execute(stmt)).all():
        entry = found.setdefault(budget.id, (budget, []))
        if option is not None:
            entry[1].append(option)
    return list(found.values())


async def budget_of_phase(session: AsyncSession, phase_id: int, budget_id: int) -> Budget | None:
    budget = await session.get(Budget, budget_id)
    if budget is None or budget.phase_id != phase_id:
        return None
    return budget


def _submit_reads(signed_in: bool) -> Any:
    """The budget, the voter's ballot in it and its options (``budget_ballot_and_options``), built once per kind of
    visitor with the ids as bound values: building it on every submit cost about as much as running it."""
    # a visitor has none: never match a paper ballot's NULL (and keep the ON clause naming both tables)
    mine = (Ballot.user_id == bindparam("user_id")) if signed_in else Ballot.id.is_(None)
    return (
        select(Budget, Ballot, Option)
        .select_from(Budget)
        .outerjoin(Ballot, (Ballot.budget_id == Budget.id) & mine)
        .outerjoin(Option, Option.budget_id == Budget.id)
        .where(Budget.id == bindparam("budget_id"), Budget.phase_id == bindparam("phase_id"))
    )


_SUBMIT_READS = {True: _submit_reads(True), False: _submit_reads(False)}


async def budget_ballot_and_options(
    session: AsyncSession, phase_id: int, budget_id: int, user_id: int | None
) -> tuple[Budget | None, Ballot | None, dict[int, Option]]:
    """The phase's budget, this person's ballot in it (none for a visitor) and the budget's options, in one
    statement (a submit's reads: the ballot answers a repeat, the options check the cart)."""
    signed_in = user_id is not None
    params = {"budget_id": budget_id, "phase_id": phase_id, **({"user_id": user_id} if signed_in else {})}
    rows = (await session.execute(prescoped(_SUBMIT_READS[signed_in], session), params)).all()
    if not rows:
        return None, None, {}
    options = {option.id: option for _budget, _ballot, option in rows if option is not None}
    return rows[0][0], rows[0][1], options


async def ballot_counts(session: AsyncSession, phase_id: int) -> dict[int, dict[str, int]]:
    """Per budget of the phase: number of ballots per source."""
    stmt = (
        select(Ballot.budget_id, Ballot.source, func.count())
        .join(Budget, Budget.id == Ballot.budget_id)
        .where(Budget.phase_id == phase_id)
        .group_by(Ballot.budget_id, Ballot.source)
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for budget_id, source, n in (await session.execute(stmt)).all():
        counts[budget_id][source] = int(n)
    return counts


async def phase_has_ballots(session: AsyncSession, phase_id: int) -> bool:
    stmt = select(Ballot.id).join(Budget, Budget.id == Ballot.budget_id).where(Budget.phase_id == phase_id).limit(1)
    return (await session.scalar(stmt)) is not None


async def config_locked(session: AsyncSession, phase: Any) -> str | None:
    """MethodSpec.config_locked: the ballot model is frozen once the first ballot is in."""
    if await phase_has_ballots(session, phase.id):
        return _("Ballots have already been submitted in this phase, so its voting rules can no longer change.")
    return None


async def my_ballot(session: AsyncSession, budget_id: int, user_id: int) -> Ballot | None:
    return await session.scalar(select(Ballot).where(Ballot.budget_id == budget_id, Ballot.user_id == user_id))


async def my_ballots(session: AsyncSession, phase_id: int, user_id: int) -> dict[int, Ballot]:
    stmt = select(Ballot).join(Budget, Budget.id == Ballot.budget_id)
    stmt = stmt.where(Budget.phase_id == phase_id, Ballot.user_id == user_id)
    return {b.budget_id: b for b in (await session.scalars(stmt)).all()}


async def vote_verdict(pctx: Any, budget: Budget) -> Verdict:
    """Why this person may or may not vote in this budget right now (phase, level, areas, one ballot each)."""
    verdict = pctx.can(VOTE_ACTION, item=budget)
    if not verdict.allowed:
        return verdict
    if pctx.user is None:
        return denied("not_signed_in")
    if await my_ballot(pctx.session, budget.id, pctx.user.id) is not None:
        return denied("already_done")
    return verdict


# ---------------------------------------------------------------- carts


@dataclass
class CartLine:
    option: Option
    points: int


@dataclass
class CartView:
    """What the voter has chosen and how much room is left, for every ballot type."""

    config: BudgetingConfig
    budget: Budget
    lines: list[CartLine]
    chosen: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.chosen = {line.option.id for line in self.lines}

    @property
    def total_cost(self) -> int:
        return sum(line.option.cost for line in self.lines)

    @property
    def remaining(self) -> int:
        return self.budget.amount - self.total_cost

    @property
    def points_used(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def count(self) -> int:
        return len(self.lines)

    def points_of(self, option_id: int) -> int:
        for line in self.lines:
            if line.option.id == option_id:
                return line.points
        return 0

    @property
    def meter(self) -> tuple[int, int]:
        """(value, max) of the progress bar for this ballot type."""
        kind = self.config.ballot_type
        if kind == "knapsack":
            return min(self.total_cost, self.budget.amount), max(self.budget.amount, 1)
        if kind == "cumulative":
            return self.points_used, self.config.points
        if kind == "ranked":
            return self.count, self.config.rank_count
        if kind == "choose-one":
            return self.count, 1
        return self.count, self.config.max_choices or max(self.count, 1)

    def problems(self) -> list[str]:
        return ballot_problems(self.config, self.budget, self.lines)

    def fits(self, option: Option) -> bool:
        return option.id in self.chosen or self.config.ballot_type != "knapsack" or option.cost <= self.remaining


def min_spend(config: BudgetingConfig, budget: Budget) -> int:
    by_percent = -(-budget.amount * config.min_spend_percent // 100)
    return max(by_percent, config.min_spend_amount)


def ballot_problems(config: BudgetingConfig, budget: Budget, lines: list[CartLine]) -> list[str]:
    """Every reason the ballot cannot be submitted as it is (empty when it can)."""
    kind = config.ballot_type
    n = len(lines)
    problems: list[str] = []
    if n == 0:
        return [_("Choose at least one option.")]
    if len({line.option.id for line in lines}) != n:
        problems.append(_("An option appears twice on the ballot."))
    if kind == "knapsack":
        total = sum(line.option.cost for line in lines)
        if total > budget.amount:
            problems.append(_("Your choices cost more than the budget."))
        floor = min_spend(config, budget)
        if floor and total < floor:
            problems.append(_("Spend at least %(amount)s of the budget.", amount=_money(floor)))
    elif kind == "approval":
        if config.min_choices and n < config.min_choices:
            problems.append(_("Choose at least %(n)s options.", n=config.min_choices))
        if config.max_choices and n > config.max_choices:
            problems.append(_("Choose at most %(n)s options.", n=config.max_choices))
    elif kind == "choose-one":
        if n != 1:
            problems.append(_("Choose exactly one option."))
    elif kind == "ranked":
        if n > config.rank_count:
            problems.append(_("Rank at most %(n)s options.", n=config.rank_count))
    elif kind == "cumulative":
        if any(line.points < 1 for line in lines):
            problems.append(_("Every chosen option needs at least one point."))
        if sum(line.points for line in lines) > config.points:
            problems.append(_("You have %(n)s points to spread, no more.", n=config.points))
        cap = config.max_points_per_option
        if cap and any(line.points > cap for line in lines):
            problems.append(_("At most %(n)s points per option.", n=cap))
    return problems


_MONEY: ContextVar[Any] = ContextVar("budgeting_money", default=str)


def _money(minor: int) -> str:
    return str(_MONEY.get()(minor))


def use_money_formatter(formatter: Any) -> None:
    """Controllers set the request's money formatter (tenant currency, reader's locale) for messages."""
    _MONEY.set(formatter)


def cart_lines(items: list, options: dict[int, Option]) -> list[CartLine]:
    lines = []
    for item in items or []:
        option = options.get(int(item[0]))
        if option is not None:
            lines.append(CartLine(option, int(item[1])))
    return lines


async def read_cart(session: AsyncSession, budget_id: int, user_id: int) -> list:
    cart = await session.scalar(select(Cart).where(Cart.budget_id == budget_id, Cart.user_id == user_id))
    return list(cart.items) if cart is not None else []


async def claim_cart(session: AsyncSession, budget_id: int, user_id: int) -> list | None:
    """Delete the voter's cart and return what it held (None when there is none): a submit's claim on it, one
    statement where a locked read and a later delete were two. The row lock the DELETE takes makes a parallel
    submit or edit of the same voter wait for this transaction to commit or roll back."""
    params = {"budget_id": budget_id, "user_id": user_id}
    found = (await session.execute(prescoped(_CLAIM_CART, session), params)).first()
    return list(found[0]) if found is not None else None


_CLAIM_CART = (
    delete(Cart)
    .where(Cart.budget_id == bindparam("budget_id"), Cart.user_id == bindparam("user_id"))
    .returning(Cart.items)
    .execution_options(synchronize_session=False)
)


async def lock_cart(session: AsyncSession, budget_id: int, user_id: int, *, create: bool) -> Cart | None:
    """The voter's cart row, locked for this transaction (created on first use, race-free), or None.

    None when there is no cart and ``create`` is false, or when the row kept vanishing under us: a submit deletes the
    cart in the transaction that stores the ballot, so a request that waited for the lock can find the row gone. The
    caller decides what that means (``edit_cart`` checks for the ballot under the lock). ``populate_existing``
    makes the locked read refresh an object the session may already hold, so nobody edits a stale copy.
    """
    stmt = (
        select(Cart)
        .where(Cart.budget_id == budget_id, Cart.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    cart = await session.scalar(stmt)
    for _attempt in range(3):
        if cart is not None or not create:
            return cart
        try:
            async with session.begin_nested():
                session.add(Cart(budget_id=budget_id, user_id=user_id, items=[]))
        except IntegrityError:
            pass  # a parallel request created it first: the locked read below waits for it
        cart = await session.scalar(stmt)
    return cart


def apply_cart_action(
    config: BudgetingConfig,
    budget: Budget,
    options: dict[int, Option],
    items: list,
    action: str,
    option_id: int,
    value: int | None = None,
) -> list:
    """The cart after one edit, or CartRefused with a message that says why."""
    option = options.get(option_id)
    if option is None:
        raise CartRefused(_("That option is not on this ballot."))
    items = [[int(a), int(b)] for a, b in items if int(a) in options]
    ids = [a for a, _b in items]
    view = CartView(config, budget, cart_lines(items, options))
    kind = config.ballot_type
    if action == "remove":
        if kind == "cumulative" and value is None and option_id in ids:
            index = ids.index(option_id)
            items[index][1] -= 1
            return [item for item in items if item[1] > 0]
        return [item for item in items if item[0] != option_id]
    if action in ("up", "down"):
        if option_id not in ids:
            raise CartRefused(_("That option is not in your selection."))
        i = ids.index(option_id)
        j = i - 1 if action == "up" else i + 1
        if 0 <= j < len(items):
            items[i], items[j] = items[j], items[i]
        return items
    if action == "points":
        if kind != "cumulative":
            raise CartRefused(_("Points are only used on cumulative ballots."))
        points = value if value is not None else 0
        if points < 0:
            raise CartRefused(_("Points cannot be negative."))
        cap = config.max_points_per_option
        if cap and points > cap:
            raise CartRefused(_("At most %(n)s points per option.", n=cap))
        others = sum(p for a, p in items if a != option_id)
        if others + points > config.points:
            raise CartRefused(
                _("Only %(n)s of your points are left for this option.", n=max(config.points - others, 0))
            )
        if points == 0:
            return [item for item in items if item[0] != option_id]
        if option_id in ids:
            items[ids.index(option_id)][1] = points
        else:
            items.append([option_id, points])
        return items
    if action != "add":
        raise CartRefused(_("Unknown action."))
    if kind == "cumulative":
        current = view.points_of(option_id)
        return apply_cart_action(config, budget, options, items, "points", option_id, current + 1)
    if option_id in ids:
        return items
    if kind == "choose-one":
        return [[option_id, 1]]
    if kind == "knapsack" and option.cost > view.remaining:
        raise CartRefused(
            _(
                "This option costs %(cost)s but only %(left)s of your budget is left. Remove something first.",
                cost=_money(option.cost),
                left=_money(max(view.remaining, 0)),
            )
        )
    if kind == "approval" and config.max_choices and view.count >= config.max_choices:
        raise CartRefused(_("You can choose at most %(n)s options. Remove one first.", n=config.max_choices))
    if kind == "ranked" and view.count >= config.rank_count:
        raise CartRefused(_("You can rank at most %(n)s options. Remove one first.", n=config.rank_count))
    return [*items, [option_id, 1]]


async def edit_cart(
    session: AsyncSession,
    config: BudgetingConfig,
    budget: Budget,
    options: dict[int, Option],
    user: User,
    action: str,
    option_id: int,
    value: int | None,
) -> list:
    """Apply one edit to the voter's cart under its row lock; CartRefused says why not, BallotSubmitted means the
    voter's own submit got in first (checked under the lock, so an edit never writes a cart beside the ballot)."""
    cart = await lock_cart(session, budget.id, user.id, create=True)
    if await my_ballot(session, budget.id, user.id) is not None:
        raise BallotSubmitted()
    if cart is None:
        raise CartRefused(_("Your selection changed at the same moment. Please try again."))
    new_items = apply_cart_action(config, budget, options, list(cart.items), action, option_id, value)
    cart.items = new_items
    await session.flush()
    return new_items


# ---------------------------------------------------------------- submission


@dataclass
class Submitted:
    ballot: Ballot
    created: bool


def new_receipt() -> str:
    return secrets.token_hex(8)


async def _stored_ballot(session: AsyncSession, budget_id: int, user_id: int) -> Ballot | None:
    return await session.scalar(
        select(Ballot)
        .where(Ballot.budget_id == budget_id, Ballot.user_id == user_id)
        .execution_options(populate_existing=True)
    )


_BALLOT_INSERTS: dict[str, Any] = {}
_INSERTED = ("tenant_id", "budget_id", "user_id", "source", "area_id", "option_ids", "points", "receipt")


def _ballot_insert(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING`` of one online ballot, built once per dialect with its values
    bound. The dialect's own INSERT (for ON CONFLICT) is imported here: a SQLite worker never loads PostgreSQL's
    dialect (tests/test_startup_imports.py)."""
    found = _BALLOT_INSERTS.get(dialect)
    if found is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        columns = Ballot.__table__.c
        found = _BALLOT_INSERTS[dialect] = (
            dialect_insert(Ballot)
            .values({name: bindparam(name, type_=columns[name].type) for name in _INSERTED})
            .on_conflict_do_nothing(index_elements=["budget_id", "user_id"])
            .returning(Ballot)
        )
    return found


async def submit_ballot(
    session: AsyncSession, config: BudgetingConfig, budget: Budget, options: dict[int, Option], user: User
) -> Submitted:
    """Turn the voter's cart into their one ballot. Idempotent: a repeat returns the ballot already stored.

    The cart is claimed by deleting it (``claim_cart``): the row lock that DELETE takes serialises a voter's own
    parallel submits, and the one that waited finds the row gone and answers with the ballot the first stored. The
    UNIQUE (budget, user) constraint is what guarantees one ballot even across workers: the INSERT does nothing on
    a conflict (``ON CONFLICT DO NOTHING``, which waits for a parallel insert of the same voter to commit or roll
    back) and "here is your ballot" follows. A refusal (``CartRefused``) is answered with an error status, which
    rolls the transaction back and so puts the cart back as it was.
    """
    items = await claim_cart(session, budget.id, user.id)
    if items is None:
        existing = await my_ballot(session, budget.id, user.id)
        if existing is not None:
            return Submitted(existing, False)
    lines = cart_lines(items or [], options)
    problems = ballot_problems(config, budget, lines)
    if problems:
        raise CartRefused(" ".join(problems), items=items or [])
    values = {
        "tenant_id": budget.tenant_id,  # the budget came through this tenant-scoped session
        "budget_id": budget.id,
        "user_id": user.id,
        "source": "online",
        "area_id": user.area_id,
        "option_ids": [line.option.id for line in lines],
        "points": [line.points for line in lines] if config.ballot_type == "cumulative" else None,
        "receipt": new_receipt(),
    }
    ballot = await session.scalar(_ballot_insert(session.get_bind().dialect.name), values)
    if ballot is None:  # this voter's ballot is already stored (another worker, a retry): answer with it
        stored = await _stored_ballot(session, budget.id, user.id)
        if stored is None:
            raise RuntimeError("ballot insert conflicted but no ballot is stored for this voter")
        return Submitted(stored, False)
    return Submitted(ballot, True)


async def add_paper_ballot(
    session: AsyncSession,
    config: BudgetingConfig,
    budget: Budget,
    options: dict[int, Option],
    lines: list[CartLine],
    *,
    reference: str,
    area_id: int | None,
    staff: User,
    extra: dict | None = None,
) -> Ballot:
    """A paper ballot typed in by staff (or imported from a file, ``extra`` then names the file's source): same
    checks as online, counted in the same tally as paper, source recorded."""
    problems = ballot_problems(config, budget, lines)
    if problems:
        raise CartRefused(" ".join(problems))
    ballot = Ballot(
        budget_id=budget.id,
        source="paper",
        reference=reference,
        area_id=area_id,
        option_ids=[line.option.id for line in lines],
        points=[line.points for line in lines] if config.ballot_type == "cumulative" else None,
        receipt=new_receipt(),
        entered_by_id=staff.id,
        extra=dict(extra or {}),
    )
    try:
        async with session.begin_nested():
            session.add(ballot)
    except IntegrityError as exc:
        raise CartRefused(_("A paper ballot with this number has already been entered.")) from exc
    data = {"budget_id": budget.id, "reference": reference, **(extra or {})}
    audit.record(session, staff, "budgeting.paper_ballot", ballot, data)
    return ballot


async def ballot_references(session: AsyncSession, budget_ids: list[int]) -> set[tuple[int, str]]:
    """(budget id, reference) of the ballots already stored with a reference (paper or imported)."""
    if not budget_ids:
        return set()
    stmt = select(Ballot.budget_id, Ballot.reference).where(
        Ballot.budget_id.in_(budget_ids), Ballot.reference.is_not(None)
    )
    return {(budget_id, reference) for budget_id, reference in (await session.execute(stmt)).all()}


# ---------------------------------------------------------------- tally


@dataclass
class BudgetResult:
    budget: Budget
    options: list[Option]
    outcome: Outcome | None
    error: str | None
    ballots: int
    by_source: dict[str, int]
    votes: dict[int, int]
    scores: dict[int, Fraction]
    votes_by_source: dict[str, dict[int, int]]
    votes_by_area: dict[int | None, dict[int, int]]
    ballots_by_area: dict[int | None, int]
    path: str = "profile"  # how the outcome was computed: "counts" (votes per option) or "profile" (ballots)

    @property
    def selected_ids(self) -> list[int]:
        if self.outcome is None:
            return []
        by_code = {o.code: o.id for o in self.options}
        return [by_code[c] for c in self.outcome.selected if c in by_code]

    @property
    def used(self) -> int:
        chosen = set(self.selected_ids)
        return sum(o.cost for o in self.options if o.id in chosen)

    @property
    def max_votes(self) -> int:
        return max(self.votes.values(), default=0)

    def steps_by_option(self) -> dict[int, Any]:
        if self.outcome is None:
            return {}
        by_code = {o.code: o.id for o in self.options}
        return {by_code[s.project_id]: s for s in self.outcome.steps if s.project_id in by_code}


_OUTCOMES: OrderedDict[tuple, Outcome] = OrderedDict()
_OUTCOME_CACHE_SIZE = 32


# Ballot types whose ballots are plain approvals (every listed option counts 1): with a rule of VOTES_ONLY_RULES
# their outcome follows from the votes per option, which the database counts.
APPROVAL_BALLOTS = frozenset({"approval", "knapsack", "choose-one"})


def counts_path(config: BudgetingConfig, budget: Budget, dialect: str) -> bool:
    """True when the tally needs no per-ballot profile: approval-type ballots and a greedy rule, on PostgreSQL.

    SQLite reads every ballot (the profile path) faster than it counts their JSON elements with ``json_each``: for
    40,000 ballots of 10 options, 0.9x against 2.1x a plain ``GROUP BY`` of the votes; PostgreSQL counts them in
    parallel workers, 1.5x against 1.8x (benchmarks/budgeting_tally.py). Both paths give the same figures and
    winners (tests/plugins/budgeting/test_tally_paths.py)."""
    return dialect == "postgresql" and config.ballot_type in APPROVAL_BALLOTS and budget.rule in VOTES_ONLY_RULES


def _option_elements(session: AsyncSession) -> Any:
    """The elements of ``budgeting_ballot.option_ids`` as a table joined to each ballot (column ``value``)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.jsonb_array_elements_text(Ballot.option_ids).table_valued("value").lateral()
    return func.json_each(Ballot.option_ids).table_valued("value")


@dataclass
class OptionCounts:
    """What the database counted for the counts path of ``tally`` (option ids as stored, unknown ones included)."""

    ballots: list[tuple[str, int | None, int]]  # (source, area, ballots)
    by_area: list[tuple[int, int | None, int, int]]  # (option, area, votes, distinct ballots listing the option)
    by_source: dict[str, dict[int, int]]  # source -> option -> votes


# The profile path's ballots per (area, source): every ballot's option ids and points as JSON lists, concatenated
# (``ballot_table.StoredBallots``).
GroupedBallots = list[tuple[int | None, str, str, int]]

# Votes per option are counted per source for every source but this one, the largest (the (budget, source) index
# reads the others' ballots alone); its votes are the rest of the total, so the big per-option statement need not
# group by source, which costs ~40% more on SQLite. The sources are SOURCE_LABELS' (named by equality: with
# ``source != 'online'`` SQLite read every ballot of the budget, +45% for the whole tally).
REST_SOURCE = "online"
COUNTED_SOURCES = tuple(sorted(set(SOURCE_LABELS) - {REST_SOURCE}))


@dataclass
class BallotCounts:
    """What one statement counted for several budgets: ``counts[budget]`` for the counts path of ``tally``,
    ``grouped[budget]`` (identical ballots counted together) for its profile path."""

    counts: dict[int, OptionCounts]
    grouped: dict[int, GroupedBallots]


async def count_ballots(session: AsyncSession, counts_ids: list[int], profile_ids: list[int]) -> BallotCounts:
    """The ballots of every budget counted in one statement, whatever the number of budgets, options, ballots and
    sources (a results page costs the same for one budget or ten: issue 16). A ``UNION ALL`` of grouped SELECTs,
    each row tagged with its part:

    0. ballots per (budget, source, area); 1. per (budget, option, area): the votes (every listed occurrence, as the
    results page shows them) and the distinct ballots listing the option (what the rule counts: a ballot approves
    an option once); 2. votes per (budget, source, option) for every source but ``REST_SOURCE`` — these three for
    ``counts_ids``; 3. identical ballots counted together, for ``profile_ids``.
    """
    counts = {budget_id: OptionCounts([], [], {}) for budget_id in counts_ids}
    grouped: dict[int, GroupedBallots] = {budget_id: [] for budget_id in profile_ids}
    if not counts and not grouped:
        return BallotCounts(counts, grouped)

    table = Ballot.__table__.c
    absent = {"source": table.source.type, "area_id": table.area_id.type, "value": String(),
              "lists": Text(), "ballots": Integer()}  # fmt: skip

    def part(tag: int, ids: list[int], *group_by: Any, **columns: Any) -> Any:
        """A SELECT of every column, labelled, over the ballots of ``ids``; a column the part does not count is a
        NULL cast to the column's type (PostgreSQL matches a UNION's column types pair by pair; the first SELECT's
        types decode the rows). For one budget its id is a constant, neither read nor grouped by: grouping the
        biggest part by budget too costs ~35% on SQLite."""
        one = len(ids) == 1
        budget = literal_column(str(int(ids[0])), BigInteger) if one else Ballot.budget_id
        listed = [budget.label("budget_id"), literal_column(str(tag), Integer).label("part")]
        for name in ("source", "area_id", "value", "lists"):
            listed.append((columns[name] if name in columns else cast(null(), absent[name])).label(name))
        listed.append(columns.get("n", func.count()).label("n"))
        listed.append(columns.get("ballots", cast(null(), absent["ballots"])).label("ballots"))
        mine = Ballot.budget_id == ids[0] if one else Ballot.budget_id.in_(ids)
        return select(*listed).where(mine).group_by(*(group_by if one else (Ballot.budget_id, *group_by)))

    parts = []
    if counts_ids:
        parts.append(part(0, counts_ids, Ballot.source, Ballot.area_id, source=Ballot.source, area_id=Ballot.area_id))
        # Votes and the distinct ballots listing each option: for a ballot that names no option twice (nearly all:
        # ``Ballot.repeats``) they are the same count, a plain GROUP BY as fast as the baseline's; only the few that
        # do are grouped per ballot. Both give rows of part 1; their figures add up per (option, area).
        element = _option_elements(session)
        parts.append(
            part(1, counts_ids, element.c.value, Ballot.area_id, area_id=Ballot.area_id, value=element.c.value,
                 ballots=func.count())
            .select_from(Ballot)
            .join(element, true())
            .where(Ballot.repeats.is_(False))
        )  # fmt: skip
        element = _option_elements(session)
        if session.get_bind().dialect.name == "postgresql":
            # Each such ballot's options grouped first (a small hash per ballot): the distinct ballots are then a
            # plain count, where count(DISTINCT ballot) made PostgreSQL sort every group.
            per_ballot = (
                select(element.c.value.label("value"), func.count().label("n"))
                .select_from(element)
                .group_by(element.c.value)
                .lateral("per_ballot")
            )
            parts.append(
                part(1, counts_ids, per_ballot.c.value, Ballot.area_id, area_id=Ballot.area_id,
                     value=per_ballot.c.value, n=cast(func.sum(per_ballot.c.n), Integer), ballots=func.count())
                .select_from(Ballot)
                .join(per_ballot, true())
                .where(Ballot.repeats.is_(True))
            )  # fmt: skip
        else:
            parts.append(
                part(1, counts_ids, element.c.value, Ballot.area_id, area_id=Ballot.area_id, value=element.c.value,
                     ballots=func.count(distinct(Ballot.id)))
                .select_from(Ballot)
                .join(element, true())
                .where(Ballot.repeats.is_(True))
            )  # fmt: skip
        element = _option_elements(session)
        parts.append(
            part(2, counts_ids, Ballot.source, element.c.value, source=Ballot.source, value=element.c.value)
            .select_from(Ballot)
            .join(element, true())
            .where(Ballot.source.in_(COUNTED_SOURCES))
        )
    if profile_ids:
        # Every ballot's option ids and points, as stored (JSON text), concatenated per (area, source): a few rows
        # of text that numpy reads at once (``ballot_table``). A row per ballot cost ≈ 2.5 µs of result rows each
        # (100 ms for 40,000 ballots on SQLite), and grouping identical ballots by their JSON text sorted them all
        # (twice the SELECT's time when nearly all differ); ``table_profile`` groups them instead.
        points = cast(Ballot.points, Text)
        points = case((or_(Ballot.points.is_(None), points == "null"), literal("[]")), else_=points)
        ballots = func.aggregate_strings(cast(Ballot.option_ids, Text) + points, "")
        parts.append(
            part(3, profile_ids, Ballot.area_id, Ballot.source, source=Ballot.source, area_id=Ballot.area_id,
                 lists=ballots)
        )  # fmt: skip
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    votes_of: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    sources_of: dict[int, set[str]] = defaultdict(set)
    for budget_id, tag, source, area_id, option, lists, n, ballots in (await session.execute(statement)).all():
        if tag == 0:
            counts[budget_id].ballots.append((source, area_id, int(n)))
            sources_of[budget_id].add(source)
        elif tag == 1:
            counts[budget_id].by_area.append((int(option), area_id, int(n), int(ballots)))
            votes_of[budget_id][int(option)] += int(n)
        elif tag == 2:
            counts[budget_id].by_source.setdefault(source, {})[int(option)] = int(n)
        else:
            grouped[budget_id].append((area_id, source, lists, int(n)))
    for budget_id, counted in counts.items():
        if REST_SOURCE in sources_of[budget_id]:
            rest = dict(votes_of[budget_id])
            for by_option in counted.by_source.values():
                for option, n in by_option.items():
                    rest[option] = rest.get(option, 0) - n
            counted.by_source[REST_SOURCE] = {option: n for option, n in rest.items() if n}
    return BallotCounts(counts, grouped)


async def option_counts(session: AsyncSession, budget_id: int) -> OptionCounts:
    """The counts path's figures of one budget (``count_ballots``)."""
    return (await count_ballots(session, [budget_id], [])).counts[budget_id]


async def grouped_ballots(session: AsyncSession, budget_id: int) -> GroupedBallots:
    """Identical ballots of one budget counted by the database: (option_ids, points, area_id, source, count)."""
    return (await count_ballots(session, [], [budget_id])).grouped[budget_id]


async def tally(
    session: AsyncSession, config: BudgetingConfig, budget: Budget, options: list[Option], currency: str
) -> BudgetResult:
    """Votes per option, per source and per area, and the budget's rule's outcome.

    On PostgreSQL approval-type ballots under a greedy rule take the counts path (``counts_path``): the database
    counts votes per option, source and area, and the rule runs on the distinct ballots per option, the only thing
    it reads. Every other case (points, rankings, the Method of Equal Shares; every tally on SQLite) reads the
    ballots and compiles the rule's profile. Both give the same figures and the same outcome (tests/plugins/budgeting).
    """
    if counts_path(config, budget, session.get_bind().dialect.name):
        return await tally_counts(session, config, budget, options, currency)
    return await tally_profile(session, config, budget, options, currency)


async def tally_counts(
    session: AsyncSession, config: BudgetingConfig, budget: Budget, options: list[Option], currency: str
) -> BudgetResult:
    """The counts path of ``tally`` (approval-type ballots, a rule of VOTES_ONLY_RULES)."""
    return counts_result(config, budget, options, currency, await option_counts(session, budget.id))


def counts_result(
    config: BudgetingConfig, budget: Budget, options: list[Option], currency: str, counted: OptionCounts
) -> BudgetResult:
    """The counts path's figures and outcome from what the database counted (no statement)."""
    known = {o.id for o in options}
    votes: dict[int, int] = defaultdict(int)
    supporters: dict[int, int] = defaultdict(int)
    votes_by_area: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for option_id, area_id, count, ballots_listing in counted.by_area:
        if option_id not in known:
            continue
        votes[option_id] += count
        supporters[option_id] += ballots_listing  # a ballot has one area: the sum over areas counts it once
        votes_by_area[area_id][option_id] += count
    votes_by_source = {
        source: {option_id: n for option_id, n in counts.items() if option_id in known}
        for source, counts in counted.by_source.items()
    }
    votes_by_source = {source: counts for source, counts in votes_by_source.items() if counts}
    by_source: dict[str, int] = defaultdict(int)
    ballots_by_area: dict[int | None, int] = defaultdict(int)
    for source, area_id, count in counted.ballots:
        by_source[source] += count
        ballots_by_area[area_id] += count
    ballots = sum(by_source.values())
    outcome, error = None, None
    if options:
        election = budget_election(config, budget, options, currency)
        code_of = {o.id: o.code for o in options}
        try:
            outcome = compute_from_votes(
                election,
                {code_of[i]: n for i, n in supporters.items()},
                ballots,
                budget.rule,
                tie_break=config.tie_break,
            )
        except (ElectionError, ValueError) as exc:
            error = str(exc)
    return BudgetResult(
        budget=budget,
        options=options,
        outcome=outcome,
        error=error,
        ballots=ballots,
        by_source=dict(by_source),
        votes=dict(votes),
        scores={option_id: Fraction(n) for option_id, n in votes.items()},
        votes_by_source=votes_by_source,
        votes_by_area={k: dict(v) for k, v in votes_by_area.items()},
        ballots_by_area=dict(ballots_by_area),
        path="counts",
    )


async def tally_profile(
    session: AsyncSession, config: BudgetingConfig, budget: Budget, options: list[Option], currency: str
) -> BudgetResult:
    """The general path of ``tally``: the rule runs on the profile compiled from the grouped ballots."""
    return profile_result(config, budget, options, currency, await grouped_ballots(session, budget.id))


def profile_result(
    config: BudgetingConfig, budget: Budget, options: list[Option], currency: str, rows: GroupedBallots
) -> BudgetResult:
    """The profile path's figures and outcome from the grouped ballots (no statement): the ballots as flat arrays
    (``ballot_table``), the figures counted and the rule's profile compiled from them."""
    from .ballot_table import ballot_table, profile_digest, table_figures, table_profile

    outcome, error = None, None
    try:
        table = ballot_table(rows, [o.id for o in options])
    except ValueError as exc:  # nothing Townhall writes: say so on the page instead of failing it
        table, error = ballot_table([], [o.id for o in options]), str(exc)
    figures = table_figures(table)
    if options and error is None:
        election = budget_election(config, budget, options, currency)
        try:
            profile = table_profile(table, election)
            key = (
                budget.rule,
                config.tie_break,
                config.ballot_type,
                config.rank_count,
                budget.amount,
                tuple(sorted(budget.meta.items())),
                tuple((o.code, o.cost) for o in options),
                profile_digest(profile),
            )
            outcome = _OUTCOMES.get(key)
            if outcome is not None:
                _OUTCOMES.move_to_end(key)
            else:
                outcome = compute(election, budget.rule, tie_break=config.tie_break, profile=profile)
                _OUTCOMES[key] = outcome
                while len(_OUTCOMES) > _OUTCOME_CACHE_SIZE:
                    _OUTCOMES.popitem(last=False)
        except (ElectionError, ValueError) as exc:
            error = str(exc)
    return BudgetResult(
        budget=budget,
        options=options,
        outcome=outcome,
        error=error,
        ballots=figures.ballots,
        by_source=figures.by_source,
        votes=figures.votes,
        scores={option_id: Fraction(total) for option_id, total in figures.points.items()},
        votes_by_source=figures.votes_by_source,
        votes_by_area=figures.votes_by_area,
        ballots_by_area=figures.ballots_by_area,
        path="profile",
    )


async def phase_results(
    session: AsyncSession, phase: Phase, config: BudgetingConfig, currency: str
) -> list[BudgetResult]:
    """Every budget's ``tally`` in two statements, whatever the number of budgets, options and ballots: the budgets
    with their options, then ``count_ballots`` for all of them."""
    budgets = await budgets_with_options(session, phase.id)
    dialect = session.get_bind().dialect.name
    on_counts = {budget.id: counts_path(config, budget, dialect) for budget, _options in budgets}
    counted = await count_ballots(
        session,
        [budget_id for budget_id, fast in on_counts.items() if fast],
        [budget_id for budget_id, fast in on_counts.items() if not fast],
    )
    return [
        counts_result(config, budget, options, currency, counted.counts[budget.id])
        if on_counts[budget.id]
        else profile_result(config, budget, options, currency, counted.grouped[budget.id])
        for budget, options in budgets
    ]


def result_rows(results: list[BudgetResult], ml: Any, currency: str) -> tuple[list[str], list[list[Any]]]:
    header = [
        "budget",
        "rule",
        "option_code",
        "option",
        "cost",
        "votes",
        "score",
        "online_votes",
        "paper_votes",
        "imported_votes",
        "selected",
    ]
    rows: list[list[Any]] = []
    digits = currency_digits(currency)
    for result in results:
        selected = set(result.selected_ids)
        for option in result.options:
            score = result.scores.get(option.id, Fraction(0))
            rows.append(
                [
                    ml(result.budget.name),
                    result.budget.rule,
                    option.code,
                    ml(option.title),
                    float(Fraction(option.cost, 10**digits)),
                    result.votes.get(option.id, 0),
                    int(score) if score.denominator == 1 else float(score),
                    result.votes_by_source.get("online", {}).get(option.id, 0),
                    result.votes_by_source.get("paper", {}).get(option.id, 0),
                    result.votes_by_source.get("import", {}).get(option.id, 0),
                    1 if option.id in selected else 0,
                ]
            )
    return header, rows


# ---------------------------------------------------------------- pabulib


class ImportRefused(Exception):
    """A .pb file that cannot become a phase's budget; the message is translated."""


PB_META_MAPPED = {"budget", "vote_type", "rule", "num_projects", "num_votes", "currency", "max_sum_cost"}


def config_from_election(election: Election, current: BudgetingConfig) -> BudgetingConfig:
    """The ballot model a pabulib file describes, keeping the phase's own display choices."""
    meta = election.meta
    vote_type = election.vote_type

    def meta_int(key: str, default: int = 0) -> int:
        value = election.meta_amount(key)
        return int(value) if value is not None and value.denominator == 1 else default

    changes: dict[str, Any] = {}
    if vote_type == "approval":
        if meta.get("max_sum_cost", "").strip():
            changes["ballot_type"] = "knapsack"
        else:
            changes.update(
                ballot_type="approval", min_choices=meta_int("min_length"), max_choices=meta_int("max_length")
            )
    elif vote_type in ("cumulative", "scoring"):
        most = max((sum(v.points or ()) for v in election.voters), default=Fraction(1))
        changes.update(
            ballot_type="cumulative",
            points=meta_int("max_sum_points", int(most) or 1),
            max_points_per_option=meta_int("max_points"),
        )
    elif vote_type == "ordinal":
        longest = max((len(v.vote) for v in election.voters), default=1)
        changes.update(ballot_type="ranked", rank_count=meta_int("max_length", longest) or longest)
    else:
        changes["ballot_type"] = "choose-one"
    return msgspec.structs.replace(current, **changes)


def _ballot_model(config: BudgetingConfig) -> tuple:
    return (
        config.ballot_type,
        config.min_choices,
        config.max_choices,
        config.points,
        config.max_points_per_option,
        config.rank_count,
    )


async def import_pb(
    session: AsyncSession,
    phase: Phase,
    config: BudgetingConfig,
    data: bytes,
    *,
    filename: str,
    currency: str,
    default_locale: str,
    actor: User,
) -> Budget:
    """A pabulib file as a new budget of the phase, with its options and its ballots (source ``import``)."""
    try:
        election = parse_pb(data)
        amount = to_minor(election.budget, currency)
    except (ElectionError, UnicodeDecodeError, ValueError) as exc:
        raise ImportRefused(_("This is not a readable pabulib file: %(error)s", error=str(exc)[:200])) from exc
    file_currency = election.meta.get("currency", "").strip().upper()
    if file_currency and file_currency != currency.upper():
        raise ImportRefused(
            _(
                "The file counts in %(file)s but this municipality uses %(ours)s.",
                file=file_currency,
                ours=currency.upper(),
            )
        )
    if amount.denominator != 1:
        raise ImportRefused(_("The file's budget has more decimals than the currency allows."))
    if len(election.projects) > MAX_OPTIONS_PER_BUDGET:
        raise ImportRefused(_("The file has too many projects."))
    wanted = config_from_election(election, config)
    if _ballot_model(wanted) != _ballot_model(config):
        reason = await config_locked(session, phase)
        if reason:
            raise ImportRefused(reason)
        phase.config = msgspec.to_builtins(wanted)
        audit.record(
            session,
            actor,
            "budgeting.config_changed",
            ("phase", phase.id),
            {"phase_id": phase.id, "ballot_type": wanted.ballot_type, "file": filename[:200]},
            public=True,
        )
    rule = election.rule if election.rule in rule_names() else "greedy"
    position = await session.scalar(select(func.count()).select_from(Budget).where(Budget.phase_id == phase.id))
    name = election.meta.get("description") or election.meta.get("subunit") or election.meta.get("unit") or filename
    budget = Budget(
        phase_id=phase.id,
        name={default_locale: name[:300]},
        amount=int(amount),
        rule=rule,
        position=int(position or 0),
        meta={k: v for k, v in election.meta.items() if k not in PB_META_MAPPED},
    )
    session.add(budget)
    await session.flush()
    option_ids: dict[str, int] = {}
    for index, project in enumerate(election.projects.values()):
        cost = to_minor(project.cost, currency)
        if cost.denominator != 1 or cost < 0:
            raise ImportRefused(_("Project %(id)s has a cost the currency cannot hold.", id=project.id))
        fields = dict(project.fields)
        title = fields.pop("name", "") or project.id
        option = Option(
            phase_id=phase.id,
            budget_id=budget.id,
            code=project.id[:64],
            title={default_locale: title[:500]},
            cost=int(cost),
            position=index,
            extra=fields,
        )
        session.add(option)
        await session.flush()
        option_ids[project.id] = option.id
    tenant_id = budget.tenant_id
    cumulative = wanted.ballot_type == "cumulative"
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    now_receipts = [secrets.token_hex(8) for _i in range(len(election.voters))]
    for index, voter in enumerate(election.voters):
        if voter.id in seen:
            raise ImportRefused(_("Voter %(id)s appears twice in the file.", id=voter.id[:40]))
        seen.add(voter.id)
        points = None
        if cumulative:
            raw = voter.points or tuple(Fraction(1) for _p in voter.vote)
            if any(p.denominator != 1 for p in raw):
                raise ImportRefused(_("Voter %(id)s gives fractional points.", id=voter.id[:40]))
            points = [int(p) for p in raw]
        rows.append(
            {
                "tenant_id": tenant_id,
                "budget_id": budget.id,
                "source": "import",
                "reference": voter.id[:120],
                "option_ids": [option_ids[pid] for pid in voter.vote],
                "points": points,
                "extra": voter.fields,
                "receipt": now_receipts[index],
            }
        )
    for start in range(0, len(rows), 5000):
        await session.execute(insert(Ballot), rows[start : start + 5000])
    audit.record(
        session,
        actor,
        "budgeting.imported",
        budget,
        {
            "phase_id": phase.id,
            "file": filename[:200],
            "projects": len(election.projects),
            "ballots": len(election.voters),
        },
        public=True,
    )
    return budget


async def export_pb(
    session: AsyncSession, config: BudgetingConfig, budget: Budget, currency: str, default_locale: str
) -> str:
    """The budget as a pabulib file: options as PROJECTS, every ballot (any source) as VOTES."""
    options = await options_of(session, budget.id)
    code_of = {o.id: o.code for o in options}
    meta = budget_meta(config, budget, currency)
    projects: dict[str, Project] = {}
    extra_columns: list[str] = []
    for option in options:
        fields = {"name": option.title.get(default_locale) or next(iter(option.title.values()), option.code)}
        fields.update({k: str(v) for k, v in (option.extra or {}).items()})
        for key in fields:
            if key not in extra_columns:
                extra_columns.append(key)
        projects[option.code] = Project(option.code, Fraction(option.cost, 10 ** currency_digits(currency)), fields)
    stmt = (
        select(Ballot.id, Ballot.reference, Ballot.source, Ballot.option_ids, Ballot.points, Ballot.extra)
        .where(Ballot.budget_id == budget.id)
        .order_by(Ballot.id)
    )
    voters: list[Voter] = []
    vote_columns = ["voter_id", "vote"]
    cumulative = config.ballot_type == "cumulative"
    if cumulative:
        vote_columns.append("points")
    for ballot_id, reference, source, option_ids, points, extra in (await session.execute(stmt)).all():
        ids = [int(i) for i in option_ids or [] if int(i) in code_of]
        fields = {k: str(v) for k, v in (extra or {}).items()}
        if source != "import" and "voting_method" not in fields:
            fields["voting_method"] = "paper" if source == "paper" else "internet"
        for key in fields:
            if key not in vote_columns:
                vote_columns.append(key)
        voters.append(
            Voter(
                reference or f"{source}-{ballot_id}",
                tuple(code_of[i] for i in ids),
                tuple(Fraction(int(p)) for p in points) if cumulative and points is not None else None,
                fields,
            )
        )
    meta["num_projects"] = str(len(projects))
    meta["num_votes"] = str(len(voters))
    election = Election(meta, projects, voters, ("project_id", "cost", *extra_columns), tuple(vote_columns))
    return write_pb(election)


# ---------------------------------------------------------------- staff edits


def log_change(session: AsyncSession, actor: User, action: str, target: Any, data: dict[str, Any]) -> None:
    """Changes to what voters are offered are logged publicly (shown on the phase's change log)."""
    audit.record(session, actor, action, target, data, public=True)


async def next_position(session: AsyncSession, model: Any, column: Any, value: int) -> int:
    found = await session.scalar(select(func.max(model.position)).where(column == value))
    return int(found or 0) + 1
