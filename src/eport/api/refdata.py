from ninja import Router

from eport.enterprises.selectors import registry_backfill_for
from eport.refdata.lookup import prefix_lookup

from .auth import AUTH, SignedIn
from .schemas import SIGNED_IN, RefdataList, RefItem, RegistryOut, Uscc, errors

router = Router(tags=["reference data"], auth=AUTH)


@router.get(
    "/refdata/{list_name}", response={200: list[RefItem], **errors(*SIGNED_IN, 404)}, summary="代码表前缀查询"
)
def refdata(request: SignedIn, list_name: RefdataList, prefix: str = "") -> list[RefItem]:
    """`list_name` ∈ customs, aic_units, tax_units, quality_units, forex_bureaus, commerce_authorities;
    the prefix needs the list's minimum length (customs 2, aic 2, tax 4, quality 1, forex 2, commerce 1)."""
    return [RefItem.model_validate(row) for row in prefix_lookup(list_name, prefix)]


@router.get(
    "/registry/{uscc}", response={200: RegistryOut, **errors(*SIGNED_IN, 404)}, summary="工商登记信息反填"
)
def registry_lookup(request: SignedIn, uscc: Uscc) -> RegistryOut:
    """An enterprise user (card-less or a card) may look up only its own USCC; department staff any."""
    return RegistryOut.model_validate(registry_backfill_for(request.auth, uscc))
