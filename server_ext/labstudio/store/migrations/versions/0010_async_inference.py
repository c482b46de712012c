"""async inference: the durable queue of an asynchronous endpoint's requests; metric alarms
(CloudWatch's shape) over endpoints' figures, which guarded deployments watch

Revision ID: 0010_async_inference
Revises: 0008_pipelines
"""
import sqlalchemy as sa
from alembic import op

revision = "0010_async_inference"
down_revision = "0009_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "async_invocations",
        sa.Column("endpoint_name", sa.String(length=63), nullable=False),
        sa.Column("inference_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("input_location", sa.Text(), nullable=False),
        sa.Column("output_location", sa.Text(), nullable=False),
        sa.Column("failure_location", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("lease_expires_time", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("expires_time", sa.Float(), nullable=False),
        sa.Column("start_time", sa.Float(), nullable=True),
        sa.Column("end_time", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("endpoint_name", "inference_id"),
    )
    op.create_index("ix_async_invocations_queue", "async_invocations", ["endpoint_name", "status", "seq"])
    op.create_table(
        "metric_alarms",
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("state_reason", sa.Text(), nullable=True),
        sa.Column("state_value", sa.Float(), nullable=True),
        sa.Column("state_updated_time", sa.Float(), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("metric_alarms")
    op.drop_index("ix_async_invocations_queue", table_name="async_invocations")
    op.drop_table("async_invocations")
