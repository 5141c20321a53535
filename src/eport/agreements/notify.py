"""Mail about agreements (eport/mail sends it, after the commit). Customs' approval and return reach the
enterprise through the engine's mail (the kind's label names the 关区); a 解约, which needs no review, is
told to the reviewers of that customs unit (`unit_recipients`) and to the enterprise's contacts."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients, unit_recipients
from eport.refdata.lookup import unit_for
from eport.refdata.models import Dept


def agreement_terminated(agreement) -> None:
    e = agreement.enterprise
    with mail.site_language():
        subject = _("【电子口岸】通关无纸化三方协议已解约：%(e)s，关区 %(c)s") % {
            "e": e.name,
            "c": agreement.customs,
        }
        body = _("%(e)s（%(u)s）已解除关区 %(c)s 的通关无纸化三方协议，此后不能在该关区无纸化报关。") % {
            "e": e.name,
            "u": e.uscc or e.org_code,
            "c": agreement.customs,
        }
    recipients = set(unit_recipients(unit_for(Dept.CUSTOMS, agreement.customs)))
    recipients |= set(enterprise_recipients(e))
    mail.send_on_commit(sorted(recipients), subject, body)
