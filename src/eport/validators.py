"""Domain validators: USCC (GB 32100 + GB 11714), resident ID (GB 11643), phone.

The USCC check is written here because python-stdnum's `cn.uscc` skips the GB 11714 check of the
organization code in characters 9-17 and requires digits in characters 1-2, which rejects valid
codes of registration authorities such as N (农业) or Y (其他).
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and 21 letters (no I O Z S V)
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714
# re.ASCII: \d would otherwise match any Unicode digit (full-width, Arabic-Indic …).
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$", re.ASCII)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character of an 8-character organization code body (digits, A=10 … Z=35)."""
    total = sum(int(c, 36) * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "").replace("-", "")


def validate_uscc(value: str) -> str:
    code = normalize_uscc(value)
    if len(code) != 18:
        raise ValidationError(_("统一社会信用代码应为18位。"), code="uscc_length")
    if not _USCC_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（第3-8位为行政区划代码数字，不使用 I、O、Z、S、V）。"),
            code="uscc_format",
        )
    if org_code_check_char(code[8:16]) != code[16]:
        raise ValidationError(
            _("统一社会信用代码第9-17位的组织机构代码校验位不正确。"), code="uscc_org_checksum"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确。"), code="uscc_checksum")
    return code


def make_uscc(prefix2: str, division: str, org_body8: str) -> str:
    """Build a valid USCC (demo data, benchmarks, tests)."""
    partial = prefix2 + division + org_body8 + org_code_check_char(org_body8)
    return partial + uscc_check_char(partial)


def validate_resident_id(value: str) -> str:
    try:
        return ric.validate(value)
    except StdnumError:
        raise ValidationError(
            _("居民身份证号码不正确（18位，含出生日期和校验位）。"), code="resident_id_invalid"
        ) from None


# What the message promises: a mainland mobile number, or a landline with its area code (0 and 2-3 digits,
# e.g. 010, 0755), an optional hyphen, a 7-8 digit local number and an optional extension. A bare local
# number is refused: without its area code nobody can call it.
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE = re.compile(r"^0\d{2,3}-?[1-9]\d{6,7}(-\d{1,6})?$", re.ASCII)


def validate_phone(value: str) -> str:
    v = (value or "").strip().replace(" ", "")
    if not (_MOBILE.match(v) or _LANDLINE.match(v)):
        raise ValidationError(
            _("联系电话格式不正确（手机号11位，或固定电话如 010-12345678）。"), code="phone_invalid"
        )
    return v


_ID_FORMATS = {
    "passport": re.compile(r"^[A-Z0-9]{5,17}$", re.ASCII),
    "hk_macao_permit": re.compile(r"^[HM]\d{8,10}$", re.ASCII),
    "taiwan_permit": re.compile(r"^\d{8}$|^T\d{8}$", re.ASCII),
    "foreign_permanent_residence": re.compile(r"^[A-Z]{3}\d{12}$|^9\d{17}$", re.ASCII),
}


def validate_id_document(id_type: str, value: str) -> str:
    v = (value or "").strip().upper()
    if id_type == "resident_id":
        return validate_resident_id(v)
    pattern = _ID_FORMATS.get(id_type)
    if pattern and not pattern.match(v):
        raise ValidationError(_("证件号码格式与证件类型不符。"), code="id_no_invalid")
    return v


def clean_id_document(form, data: dict, type_field: str, no_field: str) -> bool:
    """In a form's clean(): check the ID number against its type, normalised into `data`; the error goes
    on the number's field. True when the number is valid (or not given)."""
    id_type, id_no = data.get(type_field), data.get(no_field)
    if not (id_type and id_no):
        return True
    try:
        data[no_field] = validate_id_document(id_type, id_no)
    except ValidationError as e:
        form.add_error(no_field, ValidationError(e.messages[0], code=e.code))
        return False
    return True
