import pytest

from eport.applications import services
from eport.applications.models import Status, StepStatus
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_entry_full_cycle():
    user = f.cardless()
    r = f.reviewers()
    app = f.submitted_entry(user)
    assert app.status == Status.SUBMITTED
    steps = {s.unit_id: s for s in app.steps.all()}
    assert set(steps) == {"aic:440300", "tax:14403000000", "quality:440300", "ra:5300"}
    assert steps["ra:5300"].status == StepStatus.WAITING
    services.step_approve(actor=r["aic_province"], step_id=steps["aic:440300"].id, opinion="同意")
    services.step_approve(actor=r["tax"], step_id=steps["tax:14403000000"].id, opinion="同意")
    services.step_approve(actor=r["quality"], step_id=steps["quality:440300"].id, opinion="同意")
    services.step_approve(actor=r["ra"], step_id=steps["ra:5300"].id, opinion="同意")
    app.refresh_from_db()
    assert app.status == Status.APPROVED
    user.enterprise.refresh_from_db()
    assert user.enterprise.in_network and user.enterprise.enterprise_no
