"""hosts and logs: job_hosts (one row per host of a job, with its node and heartbeat) and
job_log_chunks (the log of a job whose supervisor runs on another machine)

Revision ID: 0005_hosts_logs
Revises: 0004_job_kinds
"""
import sqlalchemy as sa
from alembic import op

revision = "0005_hosts_logs"
down_revision = "0004_job_kinds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("log_size", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "job_hosts",
        sa.Column("job_name", sa.String(length=63), sa.ForeignKey("jobs.name", ondelete="CASCADE"), primary_key=True),
        sa.Column("host", sa.String(length=32), primary_key=True),
        sa.Column("node", sa.String(length=255), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("heartbeat_time", sa.Float(), nullable=True),
        sa.Column("start_time", sa.Float(), nullable=True),
        sa.Column("end_time", sa.Float(), nullable=True),
    )
    op.create_table(
        "job_log_chunks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job_name", sa.String(length=63), sa.ForeignKey("jobs.name", ondelete="CASCADE"), nullable=False),
        sa.Column("start_offset", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_job_log_chunks_job", "job_log_chunks", ["job_name", "start_offset"])


def downgrade() -> None:
    op.drop_index("ix_job_log_chunks_job", table_name="job_log_chunks")
    op.drop_table("job_log_chunks")
    op.drop_table("job_hosts")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("log_size")
