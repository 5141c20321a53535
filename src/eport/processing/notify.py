"""Mail about grants (eport/mail sends it after the commit): the grantee's contacts learn of every grant
added, changed or deleted for them."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from eport import mail
from eport.accounts.notify import enterprise_recipients

from .models import Grant


def grant_changed(g: Grant, *, what: str) -> None:
    """`what`: "added", "changed" or "deleted"."""
    with mail.site_language():
        verb = {
            "added": pgettext("grant mail", "新增"),
            "changed": pgettext("grant mail", "修改"),
            "deleted": pgettext("grant mail", "删除"),
        }[what]
        subject = _("【电子口岸】加贸权限%(v)s：%(g)s → %(e)s") % {
            "v": verb,
            "g": g.grantor.name,
            "e": g.grantee_name,
        }
        body = _(
            "%(g)s 已%(v)s对贵企业（海关编码 %(c)s）的加贸授权：%(t)s，类别 %(k)s，企业内部编号 %(n)s，"
            "权限代码 %(r)s（%(rl)s）。\n请使用IC卡登录“加贸权限管理”查看已获授权。"
        ) % {
            "g": g.grantor.name,
            "v": verb,
            "c": g.grantee_customs_code,
            "t": g.get_book_type_display(),
            "k": g.category,
            "n": g.internal_no,
            "r": g.rights,
            "rl": g.rights_display,
        }
    mail.send_on_commit(enterprise_recipients(g.grantee), subject, body)
