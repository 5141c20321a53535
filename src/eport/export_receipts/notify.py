"""Mail on each state change to the other party (eport/mail sends it after the commit): the 外汇局's
reviewers hear of a request, a hand-in and a loss the enterprise reported; the enterprise's contacts hear
of forms issued, a declaration recorded, a loss the bureau marked and a write-off; the customs of the port
hears of the forms filed for it, withdrawn from it, or lost while filed there."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import customs_recipients, enterprise_recipients, unit_recipients

from .models import FormRequest, ReceiptForm
from .selectors import holder_name


def requested(r: FormRequest) -> None:
    with mail.site_language():
        subject = _("【电子口岸】核销单申请 %(n)s：%(e)s") % {
            "n": r.request_no,
            "e": holder_name(r.enterprise),
        }
        body = _("%(e)s 申请出口收汇核销单 %(c)d 份（申请号 %(n)s）。\n请登录电子口岸“出口收汇”发单。") % {
            "e": holder_name(r.enterprise),
            "c": r.count,
            "n": r.request_no,
        }
    mail.send_on_commit(unit_recipients(r.bureau), subject, body)


def issued(r: FormRequest, first: str, last: str) -> None:
    with mail.site_language():
        subject = _("【电子口岸】核销单已发单：申请号 %(n)s") % {"n": r.request_no}
        body = _(
            "%(b)s 已为贵企业的申请 %(n)s（申请 %(c)d 份）发单 %(i)d 份，核销单号 %(f)s 至 %(l)s。\n"
            "请登录电子口岸“出口收汇”办理口岸备案。"
        ) % {"b": r.bureau.name, "n": r.request_no, "c": r.count, "i": r.issued_count, "f": first, "l": last}
    mail.send_on_commit(enterprise_recipients(r.enterprise), subject, body)


def form_changed(f: ReceiptForm, what: str, *, to_bureau: bool) -> None:
    """`what`: the new state's words (已报关, 已交单, 挂失, 已核销)."""
    with mail.site_language():
        subject = _("【电子口岸】核销单 %(f)s %(w)s") % {"f": f.form_no, "w": what}
        body = _("出口收汇核销单 %(f)s（%(e)s）状态：%(w)s。") % {
            "f": f.form_no,
            "e": holder_name(f.enterprise),
            "w": what,
        }
        if f.decl_no:
            body += "\n" + _("出口报关单号：%(d)s，使用口岸：%(p)s。") % {"d": f.decl_no, "p": f.port}
    to = unit_recipients(f.bureau) if to_bureau else enterprise_recipients(f.enterprise)
    mail.send_on_commit(to, subject, body)


def port_changed(forms: list[ReceiptForm], port: str, what: str) -> None:
    """The customs of `port` (its unit and direct customs): forms filed for it (已备案), withdrawn (撤销备案)
    or lost while filed there (挂失) — one mail for a batch."""
    if not forms:
        return
    with mail.site_language():
        subject = _("【电子口岸】核销单%(w)s：口岸 %(p)s，%(n)d 份") % {"w": what, "p": port, "n": len(forms)}
        body = _("%(e)s 的出口收汇核销单（使用口岸 %(p)s）%(w)s：\n%(f)s") % {
            "e": holder_name(forms[0].enterprise),
            "p": port,
            "w": what,
            "f": "\n".join(f.form_no for f in forms),
        }
    mail.send_on_commit(customs_recipients(port), subject, body)
