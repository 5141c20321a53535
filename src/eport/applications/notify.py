"""Mail about applications (eport/mail sends it, after the commit): the applicant's enterprise is told
of every decision."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients

from .kinds import get_kind


def application_decided(app, step=None) -> None:
    """The applicant is told of an approval, or of a return with the reviewer's opinion."""
    with mail.site_language():
        kind = get_kind(app.kind).label_of(app)
        if step is None:
            subject = _("【电子口岸】%(k)s审核通过：%(n)s") % {"k": kind, "n": app.number}
            body = _("您单位（%(e)s）的%(k)s（申请编号 %(n)s）已审核通过。") % {
                "e": app.enterprise.name,
                "k": kind,
                "n": app.number,
            }
            note = get_kind(app.kind).approved_note
            if note:
                body += "\n" + str(note)
        else:
            subject = _("【电子口岸】%(k)s被退回：%(n)s") % {"k": kind, "n": app.number}
            body = _("您单位（%(e)s）的%(k)s（申请编号 %(n)s）被%(u)s退回。\n审核意见：%(o)s\n%(next)s") % {
                "e": app.enterprise.name,
                "k": kind,
                "n": app.number,
                "u": step.unit.name,
                "o": step.opinion,
                "next": get_kind(app.kind).returned_note,
            }
    mail.send_on_commit(enterprise_recipients(app.enterprise), subject, body)
