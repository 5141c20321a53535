"""Mail of 快件通关 (eport/mail sends it after the commit): the customs of each 进出口岸 hears of the
declarations uploaded for it; the enterprise's contacts hear of each 放行 and 退单."""

from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import customs_recipients, enterprise_recipients

from .models import Declaration, Upload


def uploaded(upload: Upload, ports: dict[str, int]) -> None:
    """`ports`: how many of the upload's declarations each 进出口岸 received."""
    for port, count in sorted(ports.items()):
        with mail.site_language():
            subject = _("【电子口岸】快件报关数据待审核：总运单号 %(w)s") % {"w": upload.waybill}
            body = _(
                "%(e)s 上载了%(d)s快件报关数据（类别 %(c)s，总运单号 %(w)s），其中进出口岸为 %(p)s 的%(n)d票待审核。\n"
                "请登录电子口岸“快件通关”审核：放行或退单。"
            ) % {
                "e": upload.enterprise.name,
                "d": upload.get_direction_display(),
                "c": upload.category,
                "w": upload.waybill,
                "p": port,
                "n": count,
            }
        mail.send_on_commit(customs_recipients(port), subject, body)


def decided(d: Declaration) -> None:
    with mail.site_language():
        subject = _("【电子口岸】快件报关单%(s)s：%(w)s / %(sw)s") % {
            "s": d.get_state_display(),
            "w": d.waybill,
            "sw": d.sub_waybill,
        }
        body = _(
            "贵企业的%(d)s快件报关单（总运单号 %(w)s，分运单号 %(sw)s，类别 %(c)s，进出口岸 %(p)s）海关已%(s)s。"
        ) % {
            "d": d.get_direction_display(),
            "w": d.waybill,
            "sw": d.sub_waybill,
            "c": d.category,
            "p": d.port,
            "s": d.get_state_display(),
        }
        if d.reason:
            body += "\n" + _("退单原因：%(r)s") % {"r": d.reason}
        body += "\n" + _("请登录电子口岸“快件通关”的回执查询查看。")
    mail.send_on_commit(enterprise_recipients(d.enterprise), subject, body)
