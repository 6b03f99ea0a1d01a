"""Searches kept server-side (mla/cases/searches.py): the words typed in the request
list's search, sealed, bound to the browser session that typed them, so the list's
address carries a random handle instead of the words (often a person's name).

A new, empty table: nothing to seal or move. Going down drops it (the handles in
addresses then read as expired: the list without the words).

Revision ID: aa16ae7f7dbd
Revises: e6f8a0b2c4d7
Create Date: 2026-11-30 23:10:00

"""
import sqlalchemy as sa
from alembic import op

import mla.core.db

revision = "aa16ae7f7dbd"
down_revision = "e6f8a0b2c4d7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kept_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("words", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", mla.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_kept_searches_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["user_sessions.id"],
                                name=op.f("fk_kept_searches_session_id_user_sessions"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_searches")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kept_searches_token_hash")),
    )
    with op.batch_alter_table("kept_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kept_searches_session_id"), ["session_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("kept_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kept_searches_session_id"))
    op.drop_table("kept_searches")
