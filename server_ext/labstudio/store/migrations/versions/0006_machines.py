"""machines: every row that names a process says which machine owns it, and owners beat a
heartbeat into it; coordinators hold leases; start ticks are 64-bit

A store shared by several machines (one PostgreSQL database, several JupyterLab hosts) must
let each machine judge only its own processes by its own process table; other machines' rows
are judged by heartbeat age. Start ticks count clock ticks since boot and pass 2**31 after
about 248 days of uptime: BigInteger.

Revision ID: 0006_machines
Revises: 0005_hosts_logs
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_machines"
down_revision = "0005_hosts_logs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("machine", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("heartbeat_time", sa.Float(), nullable=True))
        batch.alter_column("supervisor_start_ticks", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table("endpoints") as batch:
        batch.add_column(sa.Column("machine", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("heartbeat_time", sa.Float(), nullable=True))
        batch.add_column(sa.Column("delete_requested_time", sa.Float(), nullable=True))
        batch.alter_column("pid_start_ticks", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=True)
    with op.batch_alter_table("tuning_jobs") as batch:
        batch.add_column(sa.Column("tuner_machine", sa.String(length=255), nullable=True))
        batch.alter_column("tuner_start_ticks", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=True)
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=255), primary_key=True),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("machine", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("start_ticks", sa.BigInteger(), nullable=True),
        sa.Column("acquired_time", sa.Float(), nullable=False),
        sa.Column("renewed_time", sa.Float(), nullable=False),
        sa.Column("expires_time", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    with op.batch_alter_table("tuning_jobs") as batch:
        batch.alter_column("tuner_start_ticks", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=True)
        batch.drop_column("tuner_machine")
    with op.batch_alter_table("endpoints") as batch:
        batch.alter_column("pid_start_ticks", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=True)
        batch.drop_column("delete_requested_time")
        batch.drop_column("heartbeat_time")
        batch.drop_column("machine")
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("supervisor_start_ticks", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=True)
        batch.drop_column("heartbeat_time")
        batch.drop_column("machine")
