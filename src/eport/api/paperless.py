"""通关无纸化 (API.md "Paperless clearance"): for now 查找报关企业 — the approved customs brokers a
consignor may delegate to. Brokers register through /applications (kind broker_registration) and their
报关协会 reviews them through /reviews."""

from ninja import Router

from eport.delegations import selectors
from eport.pagination import paginate

from .auth import AUTH, SignedIn
from .schemas import SIGNED_IN, BrokerOut, BrokerPage, Page, PageSize, errors

router = Router(tags=["paperless"], auth=AUTH)


@router.get(
    "/paperless/brokers",
    response={200: BrokerPage, **errors(*SIGNED_IN)},
    summary="查找报关企业（组织机构代码、海关编码或名称）",
)
def brokers(request: SignedIn, q: str = "", page: Page = 1, page_size: PageSize = 20) -> BrokerPage:
    """Approved brokers only: exact 组织机构代码, exact 海关编码, or a name containing `q`."""
    items, total = paginate(selectors.brokers(request.auth, q), page, page_size)
    return BrokerPage(items=[BrokerOut.model_validate(b) for b in items], total=total)
