"""automl: SageMaker Autopilot's AutoML jobs and their candidates

Revision ID: 0011_automl
Revises: 0008_pipelines
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_automl"
down_revision = "0010_async_inference"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "automl_jobs",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("secondary_status", sa.String(length=40), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("problem_type", sa.String(length=32), nullable=True),
        sa.Column("objective", sa.String(length=32), nullable=True),
        sa.Column("mode", sa.String(length=32), nullable=True),
        sa.Column("best_candidate", sa.String(length=63), nullable=True),
        sa.Column("analysis", sa.Text(), nullable=False),
        sa.Column("artifacts", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("stop_requested_time", sa.Float(), nullable=True),
        sa.Column("runner_pid", sa.Integer(), nullable=True),
        sa.Column("runner_start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("runner_spawn_time", sa.Float(), nullable=True),
        sa.Column("runner_machine", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_automl_jobs_creation", "automl_jobs", ["creation_time"])
    op.create_index("ix_automl_jobs_status", "automl_jobs", ["status"])
    op.create_table(
        "automl_candidates",
        sa.Column("job_name", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("candidate_name", sa.String(length=63), nullable=False),
        sa.Column("algorithm", sa.String(length=32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("early_stopped", sa.Boolean(), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("finished_time", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["job_name"], ["automl_jobs.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_name", "number"),
        sa.UniqueConstraint("candidate_name"),
    )


def downgrade() -> None:
    op.drop_table("automl_candidates")
    op.drop_index("ix_automl_jobs_status", table_name="automl_jobs")
    op.drop_index("ix_automl_jobs_creation", table_name="automl_jobs")
    op.drop_table("automl_jobs")
