"""Two approvals of one stage at the same moment, each request on its own connection and both past
the check before either writes: the database keeps one, the other is told so in a 409, never a 500."""

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.certification.models import Certification, CertificationApproval
from marketplace.extensions import db
from tests.certification.test_workflow import apply
from tests.concurrency import at_once, both_checked_before_either_inserts


def approve(cert_id, headers):
    return lambda client: client.post(
        f"/api/v1/certifications/{cert_id}/review", json={"decision": "approve"}, headers=headers
    )


def approved(cert_id):
    db.session.rollback()  # a fresh snapshot of what the requests committed
    rows = db.session.execute(
        select(CertificationApproval.stage, CertificationApproval.approver_id).where(
            CertificationApproval.certification_id == cert_id
        )
    ).all()
    events = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.subject_id == cert_id, AuditEvent.action == "approve")
    )
    return rows, events, db.session.get(Certification, cert_id).current_stage


@pytest.mark.postgres
def test_one_person_approving_twice_at_once_approves_once(app, client, product, people):
    cert_id = apply(client, product, people)
    with both_checked_before_either_inserts(CertificationApproval):
        answers = at_once(app, [approve(cert_id, people["admin"])] * 2)
    assert sorted(r.status_code for r in answers) == [200, 409], [r.json for r in answers]
    [refused] = [r for r in answers if r.status_code == 409]
    # Both keys are broken (the same person, the same stage): either may be the one PostgreSQL names.
    assert refused.json["message"] in (
        "同一人只能审核一个环节，本环节须由其他地区工作人员审核。",
        "该环节已审核通过。",
    )
    assert list(refused.json["errors"]["json"]) == ["decision"]
    rows, events, stage = approved(cert_id)
    assert [stage for stage, _ in rows] == ["county"] and events == 1 and stage == "province"


@pytest.mark.postgres
def test_two_officers_approving_one_stage_at_once_the_second_is_told_it_is_done(app, client, product, people):
    cert_id = apply(client, product, people)
    with both_checked_before_either_inserts(CertificationApproval):
        answers = at_once(app, [approve(cert_id, people["admin"]), approve(cert_id, people["county"])])
    assert sorted(r.status_code for r in answers) == [200, 409], [r.json for r in answers]
    [refused] = [r for r in answers if r.status_code == 409]
    assert refused.json["message"] == "该环节已审核通过。"
    assert refused.json["errors"] == {"json": {"decision": ["已审核通过。"]}}
    rows, events, stage = approved(cert_id)
    assert len(rows) == 1 and events == 1 and stage == "province"
