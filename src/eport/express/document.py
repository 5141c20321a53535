"""The print of a released declaration (打印): the same rows for the print page and the PDF."""

from django.utils import timezone
from django.utils.translation import gettext as _

from eport.pdfdoc import text_pdf
from eport.refdata.models import Currency, CustomsDistrict

from .models import Declaration


def title(d: Declaration) -> str:
    kind = _("KJ2报关单") if d.is_kj2 else _("快件报关单")
    return _("%(k)s（%(d)s）") % {"k": kind, "d": d.get_direction_display()}


def print_rows(d: Declaration) -> list[tuple[str, str]]:
    currency = Currency.objects.filter(legacy_code=d.currency).first()
    port = CustomsDistrict.objects.filter(code=d.port).first()
    party = _("收件人") if d.direction == "I" else _("发件人")
    return [
        (_("经营单位"), d.enterprise.name),
        (_("进出口"), str(d.get_direction_display())),
        (_("类别"), d.category_name),
        (_("总运单号"), d.waybill),
        (_("分运单号"), d.sub_waybill),
        (str(party), d.party),
        (_("货物名称"), d.goods),
        (_("数量"), str(d.quantity)),
        (_("价值"), f"{d.value:.2f}"),
        (_("币制"), f"{d.currency} {currency.name_zh if currency else ''}".strip()),
        (_("进出口岸"), f"{d.port} {port.name if port else ''}".strip()),
        (_("运输方式"), f"{d.transport_mode} {d.transport_mode_name}"),
        (_("航班号"), d.flight_no),
        (_("日期"), d.date.isoformat()),
        (_("状态"), str(d.get_state_display())),
        (_("放行时间"), timezone.localtime(d.decided_at).strftime("%Y-%m-%d %H:%M") if d.decided_at else ""),
    ]


def pdf(d: Declaration) -> bytes:
    return text_pdf(
        str(title(d)),
        [(str(k), v) for k, v in print_rows(d)],
        [_("本报关单由中国电子口岸快件通关系统打印，海关已放行。")],
        author=d.enterprise.name,
        subject=f"{d.waybill}/{d.sub_waybill}",
    )
