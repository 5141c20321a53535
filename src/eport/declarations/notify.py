"""Mail about dossiers (eport/mail sends it, after the commit): the other party of every step. A 重传指令
goes to the declaring enterprise's verified contacts (and the consignor's, when a broker declares for it);
申报 and 重新上传 go to the reviewers of the customs unit of the dossier's 关区 (`unit_recipients`) and, when
a broker declares, to the consignor."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients, unit_recipients
from eport.refdata.lookup import unit_for
from eport.refdata.models import Dept

from .models import DocType


def reupload_requested(dossier, request) -> None:
    with mail.site_language():
        subject = _("【电子口岸】海关要求重传随附单据：报关单 %(n)s") % {"n": dossier.decl_no}
        body = _(
            "报关单 %(n)s（关区 %(c)s）的随附单据“%(t)s”，海关要求重新上传。\n重传原因：%(r)s\n"
            "请在“报关申报—电子随附单据—重新上传”中选中这份报关单后重新上传。"
        ) % {
            "n": dossier.decl_no,
            "c": dossier.customs,
            "t": DocType(request.doc_type).label,
            "r": request.reason,
        }
    recipients = set(enterprise_recipients(dossier.declarant))
    if dossier.consignor_id != dossier.declarant_id:
        recipients |= set(enterprise_recipients(dossier.consignor))
    mail.send_on_commit(sorted(recipients), subject, body)


def _customs_and_consignor(dossier) -> list[str]:
    recipients = set(unit_recipients(unit_for(Dept.CUSTOMS, dossier.direct_customs)))
    if dossier.consignor_id != dossier.declarant_id:
        recipients |= set(enterprise_recipients(dossier.consignor))
    return sorted(recipients)


def declared(dossier) -> None:
    """申报: customs of the 关区 is told a dossier waits for it; the consignor, when a broker declared."""
    with mail.site_language():
        subject = _("【电子口岸】报关单 %(n)s 的随附单据已申报") % {"n": dossier.decl_no}
        body = _("%(d)s 已申报报关单 %(n)s（关区 %(c)s，经营单位 %(e)s）的电子随附单据。") % {
            "d": dossier.declarant.name,
            "n": dossier.decl_no,
            "c": dossier.customs,
            "e": dossier.consignor.name,
        }
    mail.send_on_commit(_customs_and_consignor(dossier), subject, body)


def reuploaded(dossier, doc_type: str) -> None:
    """重新上传: customs sees the type uploaded again; the consignor, when a broker declared."""
    with mail.site_language():
        subject = _("【电子口岸】报关单 %(n)s 已重传随附单据") % {"n": dossier.decl_no}
        body = _("%(d)s 已按重传指令重新上传报关单 %(n)s 的随附单据“%(t)s”。当前状态：%(s)s。") % {
            "d": dossier.declarant.name,
            "n": dossier.decl_no,
            "t": DocType(doc_type).label,
            "s": dossier.get_state_display(),
        }
    mail.send_on_commit(_customs_and_consignor(dossier), subject, body)
