"""Domain validators: USCC (GB 32100 + GB 11714), resident ID, phone, ID documents.

The USCC properties compare ours with python-stdnum's `cn.uscc` where both should agree, and show
where they must differ (registration authorities with letters, the organization-code check).
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as std_uscc

from eport.validators import (
    USCC_ALPHABET,
    make_uscc,
    normalize_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_id_document,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)

fast = settings(max_examples=150, deadline=None, database=None)

DIGITS = "0123456789"
LETTERS = "".join(c for c in USCC_ALPHABET if not c.isdigit())

alnum = st.sampled_from(USCC_ALPHABET)


def _code(rc):
    with pytest.raises(ValidationError) as exc:
        validate_uscc(rc)
    return exc.value.code


@st.composite
def digit_first17(draw):
    """17 characters, digits only except the organization-code check char (may be X), which is valid."""
    body = draw(st.text(alphabet=DIGITS, min_size=16, max_size=16))
    return body + org_code_check_char(body[8:16])


@st.composite
def valid_codes(draw):
    prefix2 = draw(alnum) + draw(alnum)
    division = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    org = draw(st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8))
    return make_uscc(prefix2, division, org)


# --- properties ------------------------------------------------------------------------------------------


@fast
@given(digit_first17())
def test_check_char_equals_stdnum(first17):
    assert uscc_check_char(first17) == std_uscc.calc_check_digit(first17)


@fast
@given(digit_first17(), alnum)
def test_accepts_exactly_what_stdnum_accepts_for_digit_codes(first17, last):
    code = first17 + last
    try:
        validate_uscc(code)
        ours = True
    except ValidationError:
        ours = False
    assert ours == std_uscc.is_valid(code)


@fast
@given(valid_codes())
def test_make_uscc_always_validates(code):
    assert len(code) == 18
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code  # normalized


@fast
@given(valid_codes(), st.integers(min_value=0, max_value=17), alnum)
def test_any_single_change_is_detected(code, pos, char):
    assume(code[pos] != char)
    changed = code[:pos] + char + code[pos + 1 :]
    with pytest.raises(ValidationError):
        validate_uscc(changed)


@fast
@given(
    st.sampled_from("NY"),
    alnum,
    st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=DIGITS, min_size=4, max_size=4),
    st.text(alphabet=LETTERS, min_size=4, max_size=4),
)
def test_letter_authorities_valid_for_us_rejected_by_stdnum(
    authority, kind, division, org_digits, org_letters
):
    """Registration authority N (农业), Y (其他) and organization codes with letters: why we wrote our own."""
    code = make_uscc(authority + kind, division, org_letters + org_digits)
    assert validate_uscc(code) == code
    assert not std_uscc.is_valid(code)


@fast
@given(digit_first17(), st.sampled_from(USCC_ALPHABET))
def test_stdnum_misses_the_organization_code_check(first17, wrong):
    """stdnum does not check characters 9-17; we refuse a wrong organization-code check char."""
    assume(wrong != first17[16])
    partial = first17[:16] + wrong
    code = partial + uscc_check_char(partial)
    assert std_uscc.is_valid(code)
    assert _code(code) == "uscc_org_checksum"


# --- examples --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",
        "91440300MA5DDEM15K",
        "N2440300MA5DDEM58G",
        "1244030045576DEM0X",
        "91110105MA01DEM23X",
    ],
)
def test_known_good(code):
    assert validate_uscc(code) == code


def test_normalizes_spaces_dashes_case():
    assert normalize_uscc(" 9144-0300 ma5ddem15k ") == "91440300MA5DDEM15K"
    assert validate_uscc(" 9144-0300 ma5ddem15k ") == "91440300MA5DDEM15K"
    assert normalize_uscc(None) == ""


def test_invalid_org_check_digit():
    partial = "91440300MA5DDEM1" + "6"  # the organization-code check char is 5
    code = partial + uscc_check_char(partial)
    assert _code(code) == "uscc_org_checksum"


@pytest.mark.parametrize(
    "value,code",
    [
        ("", "uscc_length"),
        ("91440300MA5DDEM15", "uscc_length"),
        ("91440300MA5DDEM15KK", "uscc_length"),
        ("91440300MA5DDEM15L", "uscc_checksum"),
        ("9144030OMA5DDEM15K", "uscc_format"),  # letter in the division code
        ("91440300MA5DDIM15K", "uscc_format"),  # I is not in the alphabet
        ("S1440300MA5DDEM15K", "uscc_format"),
        ("91440300MA5DDEM1_K", "uscc_format"),
        # Non-ASCII digits (Arabic-Indic 4, full-width 0) must be refused, not crash the check-character sum.
        ("91\u0664\u06640300MA5DDEM15K", "uscc_format"),
        ("9144\uff10300MA5DDEM15K", "uscc_format"),
    ],
)
def test_invalid(value, code):
    assert _code(value) == code


def test_org_check_char_values():
    assert org_code_check_char("60003734") == "1"
    assert org_code_check_char("MA5DDEM1") == "5"
    # 10 -> X and 11 -> 0
    assert {org_code_check_char(f"{n:08d}") for n in range(200)} >= {"X", "0"}


# --- resident ID, phone, ID documents --------------------------------------------------------------------


def test_resident_id():
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"
    for bad in ("110105194912310021", "11010519491231002", "11010519491331002X", "", "abc"):
        with pytest.raises(ValidationError) as exc:
            validate_resident_id(bad)
        assert exc.value.code == "resident_id_invalid"


@pytest.mark.parametrize(
    "value",
    [
        "13800138000",
        "19912345678",
        "0755-86001234",
        "075586001234",
        "010-12345678",
        "01012345678",
        "0755-8600123",  # a 7-digit local number, with its area code
        "0755-86001234-123",
        "0755-86001234-123456",
        " 138 0013 8000 ",
    ],
)
def test_phone_valid(value):
    assert validate_phone(value) == value.strip().replace(" ", "")


@pytest.mark.parametrize(
    "value",
    [
        "12345",
        "",
        # what the message says: a landline needs its area code, so a bare local number is refused
        "8600123",
        "86001234",
        "86001234-123",
        "0755-860012",  # 6-digit local number
        "0755-860012345",  # 9-digit local number
        "7755-86001234",  # an area code starts with 0
        "07555-86001234",  # 0 + 4 digits
        "0755-86001234-1234567",  # extension longer than 6 digits
        "0755-86001234-",
        "12800138000",
        "138001380001",
        "1380013800",
        "0755-06001234",
        "phone",
        "+86 13800138000",
        "13\uff18\uff10\uff10\uff11\uff13\uff18\uff10\uff10\uff10",  # full-width digits
        "0755-\u0668\u0666001234",  # Arabic-Indic digits
    ],
)
def test_phone_invalid(value):
    with pytest.raises(ValidationError) as exc:
        validate_phone(value)
    assert exc.value.code == "phone_invalid"


@pytest.mark.parametrize(
    "id_type,value,expected",
    [
        ("resident_id", "11010519491231002x", "11010519491231002X"),
        ("passport", "e12345678", "E12345678"),
        ("passport", "G1234", "G1234"),
        ("hk_macao_permit", "H12345678", "H12345678"),
        ("hk_macao_permit", "M1234567890", "M1234567890"),
        ("taiwan_permit", "12345678", "12345678"),
        ("taiwan_permit", "T12345678", "T12345678"),
        ("foreign_permanent_residence", "usa123456789012", "USA123456789012"),
        ("foreign_permanent_residence", "911111111111111111", "911111111111111111"),
    ],
)
def test_id_document_valid(id_type, value, expected):
    assert validate_id_document(id_type, value) == expected


@pytest.mark.parametrize(
    "id_type,value,code",
    [
        ("resident_id", "110105194912310021", "resident_id_invalid"),
        ("passport", "E-1234", "id_no_invalid"),
        ("passport", "E123", "id_no_invalid"),
        ("hk_macao_permit", "H1234567", "id_no_invalid"),
        ("hk_macao_permit", "X12345678", "id_no_invalid"),
        ("hk_macao_permit", "H\u0661\u0662345678", "id_no_invalid"),
        ("taiwan_permit", "1234567", "id_no_invalid"),
        ("taiwan_permit", "\uff11\uff12345678", "id_no_invalid"),
        ("foreign_permanent_residence", "US123456789012", "id_no_invalid"),
        ("foreign_permanent_residence", "811111111111111111", "id_no_invalid"),
    ],
)
def test_id_document_invalid(id_type, value, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_document(id_type, value)
    assert exc.value.code == code
