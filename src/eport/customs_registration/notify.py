"""Mail about the customs registration (eport/mail sends it after the commit): the enterprise is told
of its 报关有效期 ending (the daily reminder) and the customs 企管 unit of a 年度报告 handed in and of every
变更 / 延续 submitted (the engine tells the enterprise of the decision)."""

import datetime as dt

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients, unit_recipients

from .models import Registration


def registration_expiring(reg: Registration, *, expired: bool, today: dt.date) -> bool:
    """Sent on commit; True when the enterprise has somewhere to send it."""
    e = reg.enterprise
    with mail.site_language():
        if expired:
            subject = _("【电子口岸】报关有效期已届满：%(e)s") % {"e": e.name}
            body = _("您单位（%(e)s）的报关有效期已于 %(d)s 届满。请持IC卡登录“海关企业管理”申请延续。") % {
                "e": e.name,
                "d": reg.valid_until.isoformat(),
            }
        else:
            subject = _("【电子口岸】报关有效期将于%(d)s届满：%(e)s") % {
                "d": reg.valid_until.isoformat(),
                "e": e.name,
            }
            body = _(
                "您单位（%(e)s）的报关有效期将于 %(d)s 届满（还有 %(n)d 天）。"
                "请在届满前持IC卡登录“海关企业管理”申请延续。"
            ) % {"e": e.name, "d": reg.valid_until.isoformat(), "n": (reg.valid_until - today).days}
    to = enterprise_recipients(e)
    if not to:
        return False
    mail.send_on_commit(to, subject, body)
    return True


def annual_report_received(reg: Registration, *, year: int) -> None:
    from .selectors import review_unit

    e = reg.enterprise
    with mail.site_language():
        subject = _("【电子口岸】%(e)s 已报送 %(y)d 年度报告") % {"e": e.name, "y": year}
        body = _("%(e)s（统一社会信用代码 %(u)s）已通过海关企业管理报送 %(y)d 年度报告。") % {
            "e": e.name,
            "u": e.uscc or "",
            "y": year,
        }
    mail.send_on_commit(unit_recipients(review_unit(e)), subject, body)


def application_submitted(application, unit) -> None:
    from eport.applications.kinds import get_kind

    e = application.enterprise
    with mail.site_language():
        what = get_kind(application.kind).label_of(application)
        subject = _("【电子口岸】待审核：%(k)s %(n)s（%(e)s）") % {
            "k": what,
            "n": application.number,
            "e": e.name,
        }
        body = _("%(e)s 已申报%(k)s（申请编号 %(n)s），请登录电子口岸在审核中处理。") % {
            "e": e.name,
            "k": what,
            "n": application.number,
        }
    mail.send_on_commit(unit_recipients(unit), subject, body)
