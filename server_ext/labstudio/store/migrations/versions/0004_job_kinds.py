"""job kinds: one jobs table for training and processing jobs (later batch transform)

Revision ID: 0004_job_kinds
Revises: 0003_tuning
"""
import sqlalchemy as sa
from alembic import op

revision = "0004_job_kinds"
down_revision = "0003_tuning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every job stored before this revision is a training job: the server default says so.
    op.add_column("jobs", sa.Column("kind", sa.String(length=32), nullable=False, server_default="training"))
    op.create_index("ix_jobs_kind_creation", "jobs", ["kind", "creation_time"])


def downgrade() -> None:
    op.drop_index("ix_jobs_kind_creation", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("kind")
