"""certification approvals in their own table; a supplier's invoice carries when it was recorded

Revision ID: 0020
Revises: 0019

Rules read business facts, not the audit trail: who approved which stage of an application (one
person, one stage: the table's unique keys hold it) and when a part of a purchase order was
invoiced (an order is owed from then on). Both are filled in from the audit events written
before: each "approve" of a certification (its stage in the event's details; the events in turn
for one that names none), and each "invoice" of a purchase order by the part's supplier (else the
order's move to invoiced, else the order's creation).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("to_status", sa.String),
    sa.column("reason", sa.Text),
    sa.column("actor_id", sa.Integer),
    sa.column("details", sa.JSON),
    sa.column("at", sa.DateTime(timezone=True)),
)
certifications = sa.table("certifications", sa.column("id", sa.Integer), sa.column("stages", sa.JSON))
approvals = sa.table(
    "certification_approvals",
    sa.column("certification_id", sa.Integer),
    sa.column("stage", sa.String),
    sa.column("approver_id", sa.Integer),
    sa.column("comment", sa.Text),
    sa.column("approved_at", sa.DateTime(timezone=True)),
)
orders = sa.table("purchase_orders", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime(True)))
parts = sa.table(
    "po_supplier_parts",
    sa.column("id", sa.Integer),
    sa.column("order_id", sa.Integer),
    sa.column("supplier_id", sa.Integer),
    sa.column("invoice_no", sa.String),
    sa.column("invoice_recorded_at", sa.DateTime(timezone=True)),
)


def upgrade():
    op.create_table(
        "certification_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "stage IN ('county', 'city', 'province')", name=op.f("ck_certification_approvals_stage")
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["users.id"], name=op.f("fk_certification_approvals_approver_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_certification_approvals_certification_id_certifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_approvals")),
        sa.UniqueConstraint(
            "certification_id",
            "approver_id",
            name=op.f("uq_certification_approvals_certification_id_approver_id"),
        ),
        sa.UniqueConstraint(
            "certification_id", "stage", name=op.f("uq_certification_approvals_certification_id_stage")
        ),
    )
    with op.batch_alter_table("certification_approvals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certification_approvals_approver_id"), ["approver_id"], unique=False
        )
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_recorded_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    _fill_approvals(connection)
    _fill_invoice_dates(connection)
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f("ck_po_supplier_parts_invoice_recorded"),
            sa.text("(invoice_no IS NULL) = (invoice_recorded_at IS NULL)"),
        )


def _fill_approvals(connection) -> None:
    """Every approval in the trail, in the order made; should the trail hold a second approval of a
    stage or by a person (a race the rule could not stop), the first stands."""
    approved = connection.execute(
        sa.select(events.c.subject_id, events.c.actor_id, events.c.reason, events.c.details, events.c.at)
        .join(certifications, certifications.c.id == events.c.subject_id)
        .where(
            events.c.subject_type == "certifications",
            events.c.action == "approve",
            events.c.actor_id.is_not(None),
        )
        .order_by(events.c.id)
    ).all()
    stages = dict(connection.execute(sa.select(certifications.c.id, certifications.c.stages)).all())
    rows, seen_stages, seen_approvers, count = [], set(), set(), {}
    for certification_id, actor_id, reason, details, at in approved:
        nth = count[certification_id] = count.get(certification_id, -1) + 1
        stage = (details or {}).get("stage")
        if stage is None and nth < len(stages[certification_id]):
            stage = stages[certification_id][nth]
        if (
            stage is None
            or (certification_id, stage) in seen_stages
            or (certification_id, actor_id) in seen_approvers
        ):
            continue
        seen_stages.add((certification_id, stage))
        seen_approvers.add((certification_id, actor_id))
        rows.append(
            {
                "certification_id": certification_id,
                "stage": stage,
                "approver_id": actor_id,
                "comment": reason,
                "approved_at": at,
            }
        )
    if rows:
        connection.execute(approvals.insert(), rows)


def _fill_invoice_dates(connection) -> None:
    trail = connection.execute(
        sa.select(events.c.subject_id, events.c.action, events.c.details, events.c.at)
        .where(
            events.c.subject_type == "purchase_orders",
            sa.or_(events.c.action == "invoice", events.c.to_status == "invoiced"),
        )
        .order_by(events.c.id)
    ).all()
    invoiced, order_invoiced = {}, {}
    for order_id, action, details, at in trail:
        if action == "invoice" and (details or {}).get("supplier_id") is not None:
            invoiced[(order_id, details["supplier_id"])] = at
        else:
            order_invoiced[order_id] = at
    created = dict(connection.execute(sa.select(orders.c.id, orders.c.created_at)).all())
    for part_id, order_id, supplier_id in connection.execute(
        sa.select(parts.c.id, parts.c.order_id, parts.c.supplier_id).where(parts.c.invoice_no.is_not(None))
    ).all():
        at = invoiced.get((order_id, supplier_id)) or order_invoiced.get(order_id) or created[order_id]
        connection.execute(parts.update().where(parts.c.id == part_id).values(invoice_recorded_at=at))


def downgrade():
    with op.batch_alter_table("po_supplier_parts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_po_supplier_parts_invoice_recorded"), type_="check")
        batch_op.drop_column("invoice_recorded_at")
    with op.batch_alter_table("certification_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certification_approvals_approver_id"))
    op.drop_table("certification_approvals")
