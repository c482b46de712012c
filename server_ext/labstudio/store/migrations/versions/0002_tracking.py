"""tracking: multi-resolution metric buckets for fast downsampled comparison

Revision ID: 0002_tracking
Revises: 0001_initial
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_tracking"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign key (like run_metrics): the hot write path should not pay a lookup per row;
    # run deletion removes the buckets explicitly.
    op.create_table(
        "run_metric_buckets",
        sa.Column("run_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("bucket", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("nan_count", sa.Integer(), nullable=False),
        sa.Column("nan_step", sa.Integer(), nullable=True),
        sa.Column("min_value", sa.Float(), nullable=True),
        sa.Column("min_step", sa.Integer(), nullable=True),
        sa.Column("max_value", sa.Float(), nullable=True),
        sa.Column("max_step", sa.Integer(), nullable=True),
        sa.Column("first_step", sa.Integer(), nullable=False),
        sa.Column("last_step", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "key", "level", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("run_metric_buckets")
