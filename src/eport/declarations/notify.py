"""Mail about dossiers (eport/mail.py sends it, after the commit). A 重传指令 goes to the declaring
enterprise's verified contacts (and the consignor's, when a broker declares for it). Customs has no mail
address of its own in the portal (no recipients pattern for a unit): 申报 and 重传 reach it through its list
of its 关区's dossiers and the audit (declaration.declare, declaration.reupload)."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients

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


def declared(dossier) -> None:
    """申报: customs learns it from its list and the audit (see the module's note); nothing is mailed."""


def reuploaded(dossier, doc_type: str) -> None:
    """重新上传: as for 申报, customs sees it in its list (state 已重传) and the audit."""
