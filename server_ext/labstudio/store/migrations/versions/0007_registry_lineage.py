"""registry and lineage: model package groups, numbered model packages with their approval
history, and the lineage graph (entities and their associations)

Revision ID: 0007_registry_lineage
Revises: 0006_machines
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_registry_lineage"
down_revision = "0006_machines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_package_groups",
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_model_package_groups_creation", "model_package_groups", ["creation_time"])
    op.create_table(
        "model_packages",
        sa.Column("group_name", sa.String(length=63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("approval_status", sa.String(length=32), nullable=False),
        sa.Column("approval_description", sa.Text(), nullable=True),
        sa.Column("model_data", sa.Text(), nullable=False),
        sa.Column("code_uri", sa.Text(), nullable=True),
        sa.Column("entry_point", sa.Text(), nullable=True),
        sa.Column("container", sa.Text(), nullable=False),
        sa.Column("inference", sa.Text(), nullable=False),
        sa.Column("model_metrics", sa.Text(), nullable=False),
        sa.Column("metric_values", sa.Text(), nullable=False),
        sa.Column("customer_metadata", sa.Text(), nullable=False),
        sa.Column("extra", sa.Text(), nullable=False),
        sa.Column("training_job", sa.String(length=63), nullable=True),
        sa.Column("tuning_job", sa.String(length=63), nullable=True),
        sa.Column("pipeline_execution_arn", sa.Text(), nullable=True),
        sa.Column("derived_from", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_modified_by", sa.String(length=255), nullable=True),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["group_name"], ["model_package_groups.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_name", "version"),
    )
    op.create_index("ix_model_packages_group_status", "model_packages", ["group_name", "approval_status"])
    op.create_index("ix_model_packages_creation", "model_packages", ["creation_time"])
    op.create_table(
        "model_package_activity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("group_name", sa.String(length=63), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("time", sa.Float(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=32), nullable=True),
        sa.Column("to_status", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["group_name"], ["model_package_groups.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_model_package_activity_package", "model_package_activity", ["group_name", "version", "id"])
    op.create_table(
        "lineage_entities",
        sa.Column("arn", sa.String(length=512), nullable=False),
        sa.Column("entity", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source_uri", sa.Text(), nullable=True),
        sa.Column("source_key", sa.String(length=64), nullable=True),
        sa.Column("source_type", sa.String(length=64), nullable=True),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.Column("last_modified_time", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("arn"),
    )
    op.create_index("ix_lineage_entities_source", "lineage_entities", ["source_key"])
    op.create_index("ix_lineage_entities_kind", "lineage_entities", ["entity", "type", "creation_time"])
    op.create_table(
        "lineage_associations",
        sa.Column("source_arn", sa.String(length=512), nullable=False),
        sa.Column("destination_arn", sa.String(length=512), nullable=False),
        sa.Column("association_type", sa.String(length=32), nullable=False),
        sa.Column("creation_time", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("source_arn", "destination_arn"),
    )
    op.create_index("ix_lineage_associations_destination", "lineage_associations", ["destination_arn"])


def downgrade() -> None:
    op.drop_index("ix_lineage_associations_destination", table_name="lineage_associations")
    op.drop_table("lineage_associations")
    op.drop_index("ix_lineage_entities_kind", table_name="lineage_entities")
    op.drop_index("ix_lineage_entities_source", table_name="lineage_entities")
    op.drop_table("lineage_entities")
    op.drop_index("ix_model_package_activity_package", table_name="model_package_activity")
    op.drop_table("model_package_activity")
    op.drop_index("ix_model_packages_creation", table_name="model_packages")
    op.drop_index("ix_model_packages_group_status", table_name="model_packages")
    op.drop_table("model_packages")
    op.drop_index("ix_model_package_groups_creation", table_name="model_package_groups")
    op.drop_table("model_package_groups")
