"""The business registry adapter: USCC -> registered data and status.

`registry()` returns the configured implementation (settings.BUSINESS_REGISTRY); the default is the
local table below, filled from CSV with `eport import_registry FILE`. A production deployment
points the setting at a class with the same `lookup` method that calls the registry's service.
"""

from dataclasses import asdict, dataclass
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from eport.validators import normalize_uscc

from .models import BusinessRecord


@dataclass(frozen=True)
class RegistryEntry:
    uscc: str
    name: str
    status: str  # a RegistryStatus value
    legal_rep_name: str = ""
    legal_rep_id_type: str = ""
    legal_rep_id_no: str = ""
    legal_person_type: str = ""
    enterprise_type: str = ""
    registered_capital: str = ""
    capital_unit: str = ""
    address: str = ""
    phone: str = ""
    issuing_authority_name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


class BusinessRegistry:
    def lookup(self, uscc: str) -> RegistryEntry | None:  # pragma: no cover - interface
        raise NotImplementedError


class LocalTableRegistry(BusinessRegistry):
    def lookup(self, uscc: str) -> RegistryEntry | None:
        r = BusinessRecord.objects.filter(uscc=normalize_uscc(uscc)).first()
        if r is None:
            return None
        return RegistryEntry(
            uscc=r.uscc,
            name=r.name,
            status=r.status,
            legal_rep_name=r.legal_rep_name,
            legal_rep_id_type=r.legal_rep_id_type,
            legal_rep_id_no=r.legal_rep_id_no,
            legal_person_type=r.legal_person_type,
            enterprise_type=r.enterprise_type,
            registered_capital="" if r.registered_capital is None else str(r.registered_capital),
            capital_unit=r.capital_unit,
            address=r.address,
            phone=r.phone,
            issuing_authority_name=r.issuing_authority_name,
        )


@lru_cache(maxsize=1)
def registry() -> BusinessRegistry:
    return import_string(settings.BUSINESS_REGISTRY)()


@receiver(setting_changed)
def _registry_setting_changed(*, setting, **kwargs):
    """override_settings(BUSINESS_REGISTRY=...) takes effect at once."""
    if setting == "BUSINESS_REGISTRY":
        registry.cache_clear()
