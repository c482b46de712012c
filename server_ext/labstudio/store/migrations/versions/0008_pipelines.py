"""pipelines: SageMaker Pipelines' pipelines, their executions and steps, and the models a
pipeline's ModelStep creates

Revision ID: 0008_pipelines
Revises: 0007_registry_lineage
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_pipelines"
down_revision = "0007_registry_lineage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=256), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("role_arn", sa.Text(), nullable=True),
        sa.Column("parallelism", sa.Integer(), nullable=True),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.Column("last_execution_time", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_pipelines_creation", "pipelines", ["creation_time"])
    op.create_table(
        "pipeline_executions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("pipeline_name", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("parallelism", sa.Integer(), nullable=True),
        sa.Column("experiment_name", sa.String(length=255), nullable=True),
        sa.Column("trial_name", sa.String(length=255), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("stop_requested_time", sa.Float(), nullable=True),
        sa.Column("runner_pid", sa.Integer(), nullable=True),
        sa.Column("runner_start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("runner_spawn_time", sa.Float(), nullable=True),
        sa.Column("runner_machine", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(["pipeline_name"], ["pipelines.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pipeline_executions_pipeline", "pipeline_executions", ["pipeline_name", "creation_time"])
    op.create_index("ix_pipeline_executions_status", "pipeline_executions", ["status"])
    op.create_table(
        "pipeline_steps",
        sa.Column("execution_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("job_kind", sa.String(length=16), nullable=True),
        sa.Column("job_name", sa.String(length=63), nullable=True),
        sa.Column("start_time", sa.Float(), nullable=False),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.Column("retry_time", sa.Float(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("arguments", sa.Text(), nullable=False),
        sa.Column("metadata", sa.Text(), nullable=False),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=True),
        sa.Column("cache_source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["execution_id"], ["pipeline_executions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("execution_id", "name"),
    )
    op.create_index("ix_pipeline_steps_cache", "pipeline_steps", ["cache_key", "status"])
    op.create_index("ix_pipeline_steps_job", "pipeline_steps", ["job_name"])
    op.create_table(
        "models",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("primary_container", sa.Text(), nullable=False),
        sa.Column("execution_role_arn", sa.Text(), nullable=True),
        sa.Column("pipeline_execution_arn", sa.Text(), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("models")
    op.drop_index("ix_pipeline_steps_job", table_name="pipeline_steps")
    op.drop_index("ix_pipeline_steps_cache", table_name="pipeline_steps")
    op.drop_table("pipeline_steps")
    op.drop_index("ix_pipeline_executions_status", table_name="pipeline_executions")
    op.drop_index("ix_pipeline_executions_pipeline", table_name="pipeline_executions")
    op.drop_table("pipeline_executions")
    op.drop_index("ix_pipelines_creation", table_name="pipelines")
    op.drop_table("pipelines")
