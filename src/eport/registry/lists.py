"""Look-ups in the customs and forex lists (local tables imported with `eport import-registry --list …`).

The application kinds call these: is the enterprise registered with customs (海关企管), on the forex
directory (外汇企业名录) under the name and bureau it declares, or on the forex cancellation list?

The demo rows (registry/data/demo_customs.csv, demo_forex_directory.csv, demo_forex_cancelled.csv;
the enterprises are those of demo_registry.csv, forex bureau = the division code of the address):

- 91440300MA5DDEM15K 深圳市前海示范贸易有限公司 (the demo user `demo` of eport.ops.demo):
  customs-registered (5300) and on the directory under its own name, bureau 440300: everything matches.
- 91440300MA5DCARD9E 深圳市南山示范进出口有限公司 (the card enterprise of eport.ops.demo, not in the
  business registry): customs-registered (5301) and matching the directory, bureau 440300.
- 91310115MA1HDEM38T 上海浦东示范物流有限公司: NOT customs-registered (the "contact customs 企管"
  case); on the directory, matching, bureau 310000.
- 91110105MA01DEM23X 北京朝阳示范进出口有限公司: customs-registered (0100); the directory has it as
  "北京市朝阳示范进出口有限公司" (bureau 110000), so the name does not match: manual review.
- N2440300MA5DDEM58G 深圳市示范农业专业合作社: on the forex cancellation list (2025-06-30); otherwise
  like the demo enterprise (customs 5308, on the directory, matching, bureau 440300), so that the
  cancellation alone tells it apart.
- 1244030045576DEM0X 深圳市示范检测研究院: customs-registered (5321) and matching the directory
  (bureau 440300), no special role.
- The cancelled and revoked registry rows (…DEM66U, …DEM74N) are on none of these lists.
"""

import unicodedata

from eport.validators import normalize_uscc

from .models import CustomsRecord, ForexCancellation, ForexDirectoryEntry


def _get(model, uscc: str | None):
    code = normalize_uscc(uscc or "")
    if not code:
        return None
    return model.objects.filter(pk=code).first()


def customs_record(uscc: str | None) -> CustomsRecord | None:
    """The customs registration (海关企管注册信息) of this USCC, or None."""
    return _get(CustomsRecord, uscc)


def forex_directory_entry(uscc: str | None) -> ForexDirectoryEntry | None:
    """The forex directory entry (外汇企业名录) of this USCC, or None."""
    return _get(ForexDirectoryEntry, uscc)


def forex_cancellation(uscc: str | None) -> ForexCancellation | None:
    """The forex cancellation (外汇注销名录) of this USCC, or None."""
    return _get(ForexCancellation, uscc)


def comparable_name(name: str | None) -> str:
    """A name as the match compares it: NFKC (full-width letters, digits and brackets become the usual
    ones) and without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def forex_directory_matches(*, uscc: str | None, name: str | None, forex_bureau: str | None) -> bool:
    """True when the forex directory has this USCC under this name (compared by `comparable_name`)
    and this forex bureau code; otherwise the application goes to manual review."""
    entry = forex_directory_entry(uscc)
    if entry is None or not comparable_name(name):
        return False
    bureau = unicodedata.normalize("NFKC", forex_bureau or "").strip()
    return comparable_name(entry.name) == comparable_name(name) and entry.forex_bureau == bureau
