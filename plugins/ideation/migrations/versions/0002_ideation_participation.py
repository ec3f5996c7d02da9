"""ideation on the core's participation primitives: comments, reactions, follows, reports and the official answers
move into the core tables (kind ``ideation.idea``; comments are ``core.comment`` and keep their ids, which the
``#comment-<id>`` anchors use), then ideation's own tables and the counters on ideas go.

The downgrade restores the tables from the core rows of these kinds and recomputes the counters. Status changes
without an answer were only in the audit log before, so they have no row to return to.

Revision ID: 0002_ideation_participation
Revises: 0001_ideation
Create Date: 2026-12-02 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core

revision: str = "0002_ideation_participation"
down_revision: str | Sequence[str] | None = "0001_ideation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDEA = "ideation.idea"
COMMENT = "core.comment"
OLD_TABLES = (
    "ideation_comment_reaction",
    "ideation_idea_reaction",
    "ideation_follow",
    "ideation_report",
    "ideation_feedback",
    "ideation_comment",
)
COUNTERS = (("like_count", True), ("dislike_count", True), ("comment_count", True), ("report_count", False))


def _run(sql: str, **params: object) -> None:
    op.get_bind().execute(sa.text(sql), {"idea": IDEA, "comment": COMMENT, **params})


def _reset_sequence(table: str) -> None:
    """Rows were inserted with their ids: PostgreSQL's sequence must continue after the highest."""
    if op.get_bind().dialect.name == "postgresql":
        _run(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)")


def upgrade() -> None:
    bind = op.get_bind()
    clash = bind.execute(sa.text("SELECT COUNT(*) FROM comment WHERE id IN (SELECT id FROM ideation_comment)")).scalar()
    if clash:
        raise RuntimeError("the core comment table already holds ids of ideation comments; they cannot keep their ids")
    comment_columns = "tenant_id, parent_id, author_id, anonymous, body, language, deleted_at, edited_at, hidden, hidden_reason, created_at"
    columns = ", ".join(f"c.{name.strip()}" for name in comment_columns.split(","))
    for replies in (False, True):  # threads first, so every reply finds its parent
        _run(
            f"INSERT INTO comment (id, item_kind, item_id, phase_id, {comment_columns}) "
            f"SELECT c.id, :idea, c.idea_id, i.phase_id, {columns} FROM ideation_comment c "
            f"JOIN ideation_idea i ON i.id = c.idea_id WHERE c.parent_id IS {'NOT ' if replies else ''}NULL ORDER BY c.id"
        )
    _reset_sequence("comment")
    _run(
        "INSERT INTO reaction (tenant_id, item_kind, item_id, user_id, phase_id, kind, created_at) "
        "SELECT tenant_id, :idea, idea_id, user_id, phase_id, kind, created_at FROM ideation_idea_reaction ORDER BY id"
    )
    _run(
        "INSERT INTO reaction (tenant_id, item_kind, item_id, user_id, phase_id, kind, created_at) "
        "SELECT tenant_id, :comment, comment_id, user_id, phase_id, kind, created_at FROM ideation_comment_reaction ORDER BY id"
    )
    _run(
        "INSERT INTO follow (tenant_id, item_kind, item_id, user_id, created_at) "
        "SELECT tenant_id, :idea, idea_id, user_id, created_at FROM ideation_follow ORDER BY id"
    )
    _run(
        "INSERT INTO report (tenant_id, item_kind, item_id, project_id, phase_id, reporter_id, reason, note, created_at, "
        "resolved_at, resolution) "
        "SELECT r.tenant_id, CASE WHEN r.target_type = 'idea' THEN :idea ELSE :comment END, r.target_id, p.project_id, "
        "r.phase_id, r.reporter_id, r.reason, r.note, r.created_at, r.resolved_at, r.resolution "
        "FROM ideation_report r JOIN phase p ON p.id = r.phase_id WHERE r.target_type IN ('idea', 'comment') ORDER BY r.id"
    )
    _run(
        "INSERT INTO status_change (tenant_id, item_kind, item_id, phase_id, author_id, from_status, status, feedback, "
        "created_at) "
        "SELECT f.tenant_id, :idea, f.idea_id, i.phase_id, f.author_id, NULL, f.status, f.text, f.created_at "
        "FROM ideation_feedback f JOIN ideation_idea i ON i.id = f.idea_id ORDER BY f.id"
    )
    for table in OLD_TABLES:
        op.drop_table(table)
    with op.batch_alter_table("ideation_idea", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ideation_idea_counts"), type_="check")
        for name, _checked in COUNTERS:
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("ideation_idea", schema=None) as batch_op:
        for name, _checked in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_check_constraint(
            op.f("ck_ideation_idea_counts"), "like_count >= 0 AND dislike_count >= 0 AND comment_count >= 0"
        )
        op.create_table('ideation_comment',
        sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('anonymous', sa.Boolean(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('deleted_at', core.UTCDateTime(timezone=True), nullable=True),
        sa.Column('edited_at', core.UTCDateTime(timezone=True), nullable=True),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('hidden_reason', sa.String(length=40), nullable=True),
        sa.Column('like_count', sa.Integer(), nullable=False),
        sa.Column('dislike_count', sa.Integer(), nullable=False),
        sa.Column('report_count', sa.Integer(), nullable=False),
        sa.Column('created_at', core.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.CheckConstraint('like_count >= 0 AND dislike_count >= 0', name=op.f('ck_ideation_comment_counts')),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_ideation_comment_author_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['idea_id'], ['ideation_idea.id'], name=op.f('fk_ideation_comment_idea_id_ideation_idea'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['parent_id'], ['ideation_comment.id'], name=op.f('fk_ideation_comment_parent_id_ideation_comment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ideation_comment_tenant_id_tenant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ideation_comment'))
        )
        with op.batch_alter_table('ideation_comment', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_ideation_comment_author_id'), ['author_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_ideation_comment_idea_id'), ['idea_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_ideation_comment_tenant_id'), ['tenant_id'], unique=False)

        op.create_table('ideation_comment_reaction',
        sa.Column('comment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('phase_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('created_at', core.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['ideation_comment.id'], name=op.f('fk_ideation_comment_reaction_comment_id_ideation_comment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['phase_id'], ['phase.id'], name=op.f('fk_ideation_comment_reaction_phase_id_phase'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ideation_comment_reaction_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ideation_comment_reaction_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ideation_comment_reaction')),
        sa.UniqueConstraint('comment_id', 'user_id', name=op.f('uq_ideation_comment_reaction_comment_id_user_id'))
        )
        with op.batch_alter_table('ideation_comment_reaction', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_ideation_comment_reaction_tenant_id'), ['tenant_id'], unique=False)
            batch_op.create_index('ix_ideation_comment_reaction_user_phase', ['user_id', 'phase_id'], unique=False)

        op.create_table('ideation_idea_reaction',
        sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('phase_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('created_at', core.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.ForeignKeyConstraint(['idea_id'], ['ideation_idea.id'], name=op.f('fk_ideation_idea_reaction_idea_id_ideation_idea'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['phase_id'], ['phase.id'], name=op.f('fk_ideation_idea_reaction_phase_id_phase'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ideation_idea_reaction_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ideation_idea_reaction_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ideation_idea_reaction')),
        sa.UniqueConstraint('idea_id', 'user_id', name=op.f('uq_ideation_idea_reaction_idea_id_user_id'))
        )
        with op.batch_alter_table('ideation_idea_reaction', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_ideation_idea_reaction_tenant_id'), ['tenant_id'], unique=False)
            batch_op.create_index('ix_ideation_idea_reaction_user_phase', ['user_id', 'phase_id'], unique=False)

        op.create_table('ideation_follow',
        sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('created_at', core.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.ForeignKeyConstraint(['idea_id'], ['ideation_idea.id'], name=op.f('fk_ideation_follow_idea_id_ideation_idea'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ideation_follow_tenant_id_tenant'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ideation_follow_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ideation_follow')),
        sa.UniqueConstraint('idea_id', 'user_id', name=op.f('uq_ideation_follow_idea_id_user_id'))
        )
        with op.batch_alter_table('ideation_follow', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_ideation_follow_tenant_id'), ['tenant_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_ideation_follow_user_id'), ['user_id'], unique=False)

        op.create_table('ideation_report',
        sa.Column('phase_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('target_type', sa.String(length=8), nullable=False),
        sa.Column('target_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('reporter_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('created_at', core.UTCDateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', core.UTCDateTime(timezone=True), nullable=True),
        sa.Column('resolution', sa.String(length=20), nullable=True),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.ForeignKeyConstraint(['phase_id'], ['phase.id'], name=op.f('fk_ideation_report_phase_id_phase'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_ideation_report_reporter_id_user_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ideation_report_tenant_id_tenant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ideation_report')),
        sa.UniqueConstraint('target_type', 'target_id', 'reporter_id', name=op.f('uq_ideation_report_target_type_target_id_reporter_id'))
        )
        with op.batch_alter_table('ideation_report', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_ideation_report_phase_id'), ['phase_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_ideation_report_tenant_id'), ['tenant_id'], unique=False)

        op.create_table('ideation_feedback',
        sa.Column('idea_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('author_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('text', core.JsonDoc(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=True),
        sa.Column('created_at', core.UTCDateTime(timezone=True), nullable=False),
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_ideation_feedback_author_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['idea_id'], ['ideation_idea.id'], name=op.f('fk_ideation_feedback_idea_id_ideation_idea'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_ideation_feedback_tenant_id_tenant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ideation_feedback'))
        )
        with op.batch_alter_table('ideation_feedback', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_ideation_feedback_idea_id'), ['idea_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_ideation_feedback_tenant_id'), ['tenant_id'], unique=False)

    comment_columns = "tenant_id, parent_id, author_id, anonymous, body, language, deleted_at, edited_at, hidden, hidden_reason, created_at"
    for replies in (False, True):
        _run(
            f"INSERT INTO ideation_comment (id, idea_id, {comment_columns}, like_count, dislike_count, report_count) "
            f"SELECT id, item_id, {comment_columns}, 0, 0, 0 FROM comment "
            f"WHERE item_kind = :idea AND parent_id IS {'NOT ' if replies else ''}NULL ORDER BY id"
        )
    _reset_sequence("ideation_comment")
    _run(
        "INSERT INTO ideation_idea_reaction (tenant_id, idea_id, user_id, phase_id, kind, created_at) "
        "SELECT tenant_id, item_id, user_id, phase_id, kind, created_at FROM reaction WHERE item_kind = :idea ORDER BY id"
    )
    _run(
        "INSERT INTO ideation_comment_reaction (tenant_id, comment_id, user_id, phase_id, kind, created_at) "
        "SELECT tenant_id, item_id, user_id, phase_id, kind, created_at FROM reaction "
        "WHERE item_kind = :comment AND item_id IN (SELECT id FROM ideation_comment) ORDER BY id"
    )
    _run(
        "INSERT INTO ideation_follow (tenant_id, idea_id, user_id, created_at) "
        "SELECT tenant_id, item_id, user_id, created_at FROM follow WHERE item_kind = :idea ORDER BY id"
    )
    _run(
        "INSERT INTO ideation_report (tenant_id, phase_id, target_type, target_id, reporter_id, reason, note, created_at, "
        "resolved_at, resolution) "
        "SELECT tenant_id, phase_id, CASE WHEN item_kind = :idea THEN 'idea' ELSE 'comment' END, item_id, reporter_id, "
        "reason, note, created_at, resolved_at, resolution FROM report "
        "WHERE item_kind = :idea OR (item_kind = :comment AND item_id IN (SELECT id FROM ideation_comment)) ORDER BY id"
    )
    _restore_feedback()
    _recount()
    ideation_comments = "SELECT id FROM ideation_comment"
    for table in ("reaction", "report"):
        _run(f"DELETE FROM {table} WHERE item_kind = :comment AND item_id IN ({ideation_comments})")
    for table in ("reaction", "follow", "report", "status_change"):
        _run(f"DELETE FROM {table} WHERE item_kind = :idea")
    _run("DELETE FROM comment WHERE item_kind = :idea AND parent_id IS NOT NULL")
    _run("DELETE FROM comment WHERE item_kind = :idea")


def _restore_feedback() -> None:
    """Entries with an answer become feedback again (the JSON is read and written through its column type)."""
    source = sa.table(
        "status_change",
        *(sa.column(name) for name in ("id", "tenant_id", "item_kind", "item_id", "author_id", "status", "created_at")),
        sa.column("feedback", core.JsonDoc()),
    )
    target = sa.table(
        "ideation_feedback",
        *(sa.column(name) for name in ("tenant_id", "idea_id", "author_id", "status", "created_at")),
        sa.column("text", core.JsonDoc()),
    )
    rows = op.get_bind().execute(sa.select(source).where(source.c.item_kind == IDEA).order_by(source.c.id)).all()
    answers = [
        {
            "tenant_id": row.tenant_id,
            "idea_id": row.item_id,
            "author_id": row.author_id,
            "status": row.status,
            "created_at": row.created_at,
            "text": row.feedback,
        }
        for row in rows
        if row.feedback
    ]
    if answers:
        op.get_bind().execute(target.insert(), answers)


def _recount() -> None:
    """The counters the old code kept, computed once from the restored rows."""
    for table, key in (("ideation_idea", "idea_id"), ("ideation_comment", "comment_id")):
        reactions = "ideation_idea_reaction" if table == "ideation_idea" else "ideation_comment_reaction"
        for kind in ("like", "dislike"):
            _run(
                f"UPDATE {table} SET {kind}_count = (SELECT COUNT(*) FROM {reactions} r "
                f"WHERE r.{key} = {table}.id AND r.kind = :kind)",
                kind=kind,
            )
        target = "idea" if table == "ideation_idea" else "comment"
        _run(
            f"UPDATE {table} SET report_count = (SELECT COUNT(*) FROM ideation_report r "
            f"WHERE r.target_type = :target AND r.target_id = {table}.id)",
            target=target,
        )
    _run(
        "UPDATE ideation_idea SET comment_count = (SELECT COUNT(*) FROM ideation_comment c "
        "WHERE c.idea_id = ideation_idea.id AND c.deleted_at IS NULL AND c.hidden = :no)",
        no=False,
    )
