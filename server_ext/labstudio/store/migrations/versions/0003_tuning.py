"""tuning: hyperparameter tuning jobs and their trials

Revision ID: 0003_tuning
Revises: 0002_tracking
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_tuning"
down_revision = "0002_tracking"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tuning_jobs",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("experiment_name", sa.String(length=255), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.Column("tuner_pid", sa.Integer(), nullable=True),
        sa.Column("tuner_start_ticks", sa.Integer(), nullable=True),
        sa.Column("tuner_spawn_time", sa.Float(), nullable=True),
        sa.Column("stop_requested_time", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_tuning_jobs_creation", "tuning_jobs", ["creation_time"])
    op.create_index("ix_tuning_jobs_status", "tuning_jobs", ["status"])
    op.create_table(
        "tuning_trials",
        sa.Column("tuning_job_name", sa.String(length=63), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("training_job_name", sa.String(length=63), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("system_attrs", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("early_stopped", sa.Boolean(), nullable=False),
        sa.Column("created_time", sa.Float(), nullable=False),
        sa.Column("finished_time", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["tuning_job_name"], ["tuning_jobs.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tuning_job_name", "number"),
        sa.UniqueConstraint("training_job_name"),
    )


def downgrade() -> None:
    op.drop_table("tuning_trials")
    op.drop_index("ix_tuning_jobs_status", table_name="tuning_jobs")
    op.drop_index("ix_tuning_jobs_creation", table_name="tuning_jobs")
    op.drop_table("tuning_jobs")
