"""monitoring: Model Monitor's schedules and their executions

Revision ID: 0009_monitoring
Revises: 0008_pipelines
"""
import sqlalchemy as sa
from alembic import op

revision = "0009_monitoring"
down_revision = "0008_pipelines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "monitoring_schedules",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("endpoint_name", sa.String(length=63), nullable=False),
        sa.Column("monitoring_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("schedule_expression", sa.Text(), nullable=False),
        sa.Column("analysis_start", sa.String(length=32), nullable=True),
        sa.Column("analysis_end", sa.String(length=32), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("next_run_time", sa.Float(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_monitoring_schedules_endpoint", "monitoring_schedules", ["endpoint_name"])
    op.create_index("ix_monitoring_schedules_due", "monitoring_schedules", ["status", "next_run_time"])
    op.create_table(
        "monitoring_executions",
        sa.Column("job_name", sa.String(length=63), nullable=False),
        sa.Column("schedule_name", sa.String(length=63), nullable=False),
        sa.Column("scheduled_time", sa.Float(), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("window_end", sa.Float(), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("submitted_time", sa.Float(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["schedule_name"], ["monitoring_schedules.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_name"),
    )
    op.create_index("ix_monitoring_executions_schedule", "monitoring_executions", ["schedule_name", "scheduled_time"])
    op.create_index("ix_monitoring_executions_pending", "monitoring_executions", ["submitted_time"])


def downgrade() -> None:
    op.drop_index("ix_monitoring_executions_pending", table_name="monitoring_executions")
    op.drop_index("ix_monitoring_executions_schedule", table_name="monitoring_executions")
    op.drop_table("monitoring_executions")
    op.drop_index("ix_monitoring_schedules_due", table_name="monitoring_schedules")
    op.drop_index("ix_monitoring_schedules_endpoint", table_name="monitoring_schedules")
    op.drop_table("monitoring_schedules")
