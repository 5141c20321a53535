"""Mail about cards (eport/mail sends it, after the commit): the card's enterprise is told of every change
of its cards, of a 补办法人卡 filed in its name, and daily of its cards about to expire."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from eport import mail
from eport.accounts.notify import enterprise_recipients
from eport.applications.kinds import get_kind

from .models import Card, CardState


def reissue_filed(app) -> None:
    """补办法人卡 filed in the enterprise's name: its verified contacts are told at once (the legal card sees
    it on its home page), so the real enterprise can object before the sub-centre decides."""
    e = app.enterprise
    with mail.site_language():
        subject = _("【电子口岸】贵单位提交了补办法人卡申请：%(n)s") % {"n": app.number}
        body = _(
            "账号 %(u)s 以贵单位（%(e)s）名义提交了补办法人卡申请（申请编号 %(n)s），数据分中心审核通过后，"
            "现有法人卡将作废。\n如非本单位办理，请立即联系数据分中心。"
        ) % {"u": app.applicant.username if app.applicant else "-", "e": e.name, "n": app.number}
    mail.send_on_commit(enterprise_recipients(e), subject, body)


def legal_card_ready(app, card) -> None:
    """制卡 fulfilled the enterprise's legal card request: where and what to collect."""
    e = card.enterprise
    with mail.site_language():
        what = get_kind(app.kind).named(app)
        subject = _("【电子口岸】法人卡已制作：%(c)s") % {"c": card.card_no}
        body = _(
            "您单位（%(e)s）的%(w)s已办结：数据分中心（%(u)s）已制作法人卡 %(c)s（持卡人 %(h)s）。\n"
            "请到数据分中心领取法人卡、卡文件和初始密码；首次登录须修改IC卡密码，然后办理企业备案、IC卡备案和权限申请。"
        ) % {"e": e.name, "w": what, "u": card.issuer.name, "c": card.card_no, "h": card.holder_name}
    mail.send_on_commit(enterprise_recipients(e), subject, body)


def card_changed(card, what: str) -> None:
    """The card's enterprise is told of every change of one of its cards (`what`: the action's label)."""
    with mail.site_language():
        subject = _("【电子口岸】IC卡%(a)s：%(c)s") % {"a": what, "c": card.card_no}
        body = _(
            "您单位（%(e)s）的%(k)s %(c)s（持卡人 %(h)s）已办理%(a)s，当前状态：%(s)s，有效期至 %(d)s。\n"
            "如非本单位办理，请立即联系数据分中心。"
        ) % {
            "e": card.enterprise.name,
            "k": card.get_kind_display(),
            "c": card.card_no,
            "h": card.holder_name,
            "a": what,
            "s": card.display_state,
            "d": card.valid_to,
        }
    mail.send_on_commit(enterprise_recipients(card.enterprise), subject, body)


def cards_expiring(*, days: int = 30, today: dt.date | None = None, send: bool = True) -> list[tuple]:
    """The daily reminder: usable cards whose validity ends within `days`, one mail per enterprise.
    Returns [(enterprise, [cards], sent)]."""
    today = today or timezone.localdate()
    cards = (
        Card.objects.filter(valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=days))
        .exclude(state=CardState.VOIDED)
        .select_related("enterprise")
        .order_by("enterprise_id", "valid_to")
    )
    by_enterprise: dict = {}
    for c in cards.iterator(chunk_size=2000):
        by_enterprise.setdefault(c.enterprise_id, (c.enterprise, []))[1].append(c)
    out = []
    for enterprise, group in by_enterprise.values():
        sent = False
        if send:
            with mail.site_language():
                subject = _("【电子口岸】%(n)d张IC卡将在%(d)d天内到期") % {"n": len(group), "d": days}
                lines = [
                    _(
                        "您单位（%(e)s）以下IC卡即将到期，请在到期前办理延期（操作员卡：法人卡IC卡自主管理；"
                        "法人卡：数据分中心）："
                    )
                    % {"e": enterprise.name}
                ]
                lines += [
                    f"{c.card_no}  {c.get_kind_display()}  {c.holder_name}  {c.valid_to}" for c in group
                ]
            sent = mail.send(enterprise_recipients(enterprise), subject, "\n".join(lines))
        out.append((enterprise, group, sent))
    return out
