"""Mail about delegations (eport/mail sends it after the commit): the other party of every step is told —
the broker of a new or revoked delegation, the consignor of an acceptance, a refusal or a revocation, both of
an expiry."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients

from .models import Delegation


def delegation_changed(d: Delegation, *, to: str) -> None:
    """`to`: "broker", "consignor" or "both"."""
    with mail.site_language():
        subject = _("【电子口岸】代理报关委托%(s)s：%(c)s → %(b)s") % {
            "s": d.get_state_display(),
            "c": d.consignor.name,
            "b": d.broker.name,
        }
        body = _(
            "委托方 %(c)s 对报关企业 %(b)s（海关编码 %(code)s）的代理报关委托（关区 %(k)s，%(dir)s，"
            "有效期 %(f)s 至 %(t)s）当前状态：%(s)s。%(r)s\n请使用IC卡登录“通关无纸化代理报关委托”查看。"
        ) % {
            "c": d.consignor.name,
            "b": d.broker.name,
            "code": d.broker.customs_code,
            "k": d.customs,
            "dir": d.get_direction_display(),
            "f": d.valid_from,
            "t": d.valid_to,
            "s": d.get_state_display(),
            "r": (_("原因：%(r)s") % {"r": d.reason}) if d.reason else "",
        }
    recipients: list[str] = []
    if to in ("broker", "both"):
        recipients += enterprise_recipients(d.broker.enterprise)
    if to in ("consignor", "both"):
        recipients += enterprise_recipients(d.consignor)
    mail.send_on_commit(recipients, subject, body)
