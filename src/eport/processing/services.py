"""加贸权限管理 (SPEC §6.4): the legal card adds, changes and deletes its enterprise's grants; each step one
transaction, audited, the grantee's contacts told (notify.py). The screens and the API call these and
nothing else. One grant per (granting enterprise, 授权类型, grantee, 企业内部编号): the unique index decides
a race (409)."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.cards.models import CardKind
from eport.cards.selectors import subsystem_card
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, Forbidden, NotFound, from_form_errors

from . import notify
from .codes import Code
from .forms import GrantForm
from .models import Grant
from .selectors import SUBSYSTEM, grantee_by_code


def require_legal_card(actor):
    """The signed-in card, when it holds the subsystem and is its enterprise's legal card."""
    card = subsystem_card(actor, SUBSYSTEM)
    if card.kind != CardKind.LEGAL:
        raise Forbidden(Code.LEGAL_CARD_REQUIRED, _("只有法人卡可以新增、修改或删除加贸授权。"))
    return card


def _clean(card, data: dict) -> tuple[dict, Enterprise]:
    form = GrantForm(data={k: v for k, v in (data or {}).items() if v is not None})
    if not form.is_valid():
        raise from_form_errors(form)
    d = form.cleaned_data
    grantee = grantee_by_code(d["grantee_customs_code"])
    if grantee is None:
        raise NotFound(
            Code.GRANTEE_UNKNOWN,
            _("没有海关编码为 %(c)s 的已备案企业。") % {"c": d["grantee_customs_code"]},
            "grantee_customs_code",
        )
    if grantee.pk == card.enterprise_id:
        raise Conflict(Code.SELF_GRANT, _("不能授权给本企业自己。"), "grantee_customs_code")
    return d, grantee


def _taken() -> Conflict:
    return Conflict(
        Code.GRANT_EXISTS,
        _("已有对该企业、该授权类型和企业内部编号的授权，请修改原授权。"),
        "internal_no",
    )


def _snapshot(g: Grant) -> dict:
    return {
        "book_type": g.book_type,
        "grantee": g.grantee_customs_code,
        "category": g.category,
        "internal_no": g.internal_no,
        "rights": g.rights,
    }


def grant_for(actor, grant_id, *, lock: bool = False, received: bool = False) -> Grant:
    """A grant the card's enterprise gave (or, `received`, was given); 404 for any other."""
    card = subsystem_card(actor, SUBSYSTEM)
    side = Q(grantee=card.enterprise) if received else Q(grantor=card.enterprise)
    qs = Grant.objects.filter(side).select_related("grantor", "grantee")
    if lock:
        qs = qs.select_for_update(of=("self",))
    row = qs.filter(pk=grant_id).first() if str(grant_id).isdigit() else None
    if row is None:
        raise NotFound(Code.GRANT_NOT_FOUND, _("没有这条授权，或您无权查看。"))
    return row


def grant_add(actor, data: dict, *, ip=None) -> Grant:
    card = require_legal_card(actor)
    d, grantee = _clean(card, data)
    with transaction.atomic():
        if Grant.objects.filter(
            grantor=card.enterprise, book_type=d["book_type"], grantee=grantee, internal_no=d["internal_no"]
        ).exists():
            raise _taken()
        try:
            with transaction.atomic():
                g = Grant.objects.create(
                    grantor=card.enterprise,
                    grantee=grantee,
                    grantee_customs_code=d["grantee_customs_code"],
                    grantee_name=grantee.name,
                    book_type=d["book_type"],
                    category=d["category"],
                    internal_no=d["internal_no"],
                    rights=d["rights"],
                )
        except IntegrityError:
            raise _taken() from None
        record(actor=actor, action="processing_grant.added", obj=g, ip=ip, after=_snapshot(g))
        notify.grant_changed(g, what="added")
    return g


def grant_change(actor, grant_id, data: dict, *, ip=None) -> Grant:
    """修改: every field may change (a missing one keeps its value); a changed grantee is told as added,
    the former one as deleted."""
    card = require_legal_card(actor)
    with transaction.atomic():
        g = grant_for(actor, grant_id, lock=True)
        merged = {**_snapshot(g), "grantee_customs_code": g.grantee_customs_code}
        merged.pop("grantee")
        merged.update({k: v for k, v in (data or {}).items() if v is not None and k in merged})
        d, grantee = _clean(card, merged)
        before = _snapshot(g)
        old_grantee, old_name = g.grantee, g.grantee_name
        clash = Grant.objects.filter(
            grantor=card.enterprise, book_type=d["book_type"], grantee=grantee, internal_no=d["internal_no"]
        ).exclude(pk=g.pk)
        if clash.exists():
            raise _taken()
        g.grantee = grantee
        g.grantee_customs_code = d["grantee_customs_code"]
        g.grantee_name = grantee.name
        for f in ("book_type", "category", "internal_no", "rights"):
            setattr(g, f, d[f])
        try:
            with transaction.atomic():
                g.save()
        except IntegrityError:
            raise _taken() from None
        record(
            actor=actor, action="processing_grant.changed", obj=g, ip=ip, before=before, after=_snapshot(g)
        )
        if old_grantee.pk != grantee.pk:
            gone = Grant(
                grantor=g.grantor,
                grantee=old_grantee,
                grantee_customs_code=before["grantee"],
                grantee_name=old_name,
                book_type=before["book_type"],
                category=before["category"],
                internal_no=before["internal_no"],
                rights=before["rights"],
            )  # not saved: what the former grantee had, for its mail
            notify.grant_changed(gone, what="deleted")
            notify.grant_changed(g, what="added")
        else:
            notify.grant_changed(g, what="changed")
    return g


def grant_delete(actor, grant_id, *, ip=None) -> None:
    require_legal_card(actor)
    with transaction.atomic():
        g = grant_for(actor, grant_id, lock=True)
        before = _snapshot(g)
        pk = g.pk
        notify.grant_changed(g, what="deleted")
        g.delete()
        record(
            actor=actor,
            action="processing_grant.deleted",
            object_type="processing.grant",
            object_id=str(pk),
            ip=ip,
            before=before,
        )
