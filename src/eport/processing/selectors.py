"""What a card reads in 加贸权限管理: the grants its enterprise gave (any card holding the subsystem) and,
with `received`, the grants it was given. The grantee's name is resolved from its customs filing."""

from django.utils.translation import gettext as _

from eport.cards.selectors import subsystem_card
from eport.errors import InvalidInput
from eport.filings.models import EnterpriseFiling

from .codes import Code
from .models import BookType, Grant

SUBSYSTEM = "processing_trade"


def grantee_by_code(code: str):
    """The enterprise whose customs filing (企业海关备案) holds the 海关注册编码 `code`, or None."""
    code = (code or "").strip().upper()
    if not code:
        return None
    row = (
        EnterpriseFiling.objects.filter(filing="customs", data__reg_no=code)
        .select_related("enterprise")
        .first()
    )
    return row.enterprise if row else None


def grants(actor, *, book_type: str = "", grantee: str = "", internal_no: str = "", received: bool = False):
    """The grants the signed-in card's enterprise gave (or, `received`, was given), filtered by 授权类型,
    the grantee's 海关编码 or name (contains; with `received`, the granting enterprise's name) and 企业内部编号
    (contains)."""
    card = subsystem_card(actor, SUBSYSTEM)
    if book_type and book_type not in BookType.values:
        raise InvalidInput(Code.BOOK_TYPE_INVALID, _("没有这个授权类型。"), "book_type")
    if received:
        qs = Grant.objects.filter(grantee=card.enterprise)
    else:
        qs = Grant.objects.filter(grantor=card.enterprise)
    if book_type:
        qs = qs.filter(book_type=book_type)
    grantee = (grantee or "").strip()
    if grantee and received:  # the other party here is the granting enterprise: by its name
        qs = qs.filter(grantor__name__icontains=grantee)
    elif grantee:
        qs = qs.filter(grantee_customs_code=grantee.upper()) | qs.filter(grantee_name__icontains=grantee)
    if (internal_no or "").strip():
        qs = qs.filter(internal_no__icontains=internal_no.strip())
    return qs.select_related("grantor", "grantee").order_by(
        "book_type", "grantee_customs_code", "internal_no", "pk"
    )
