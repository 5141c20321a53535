"""IC卡号: 15 digits — kind (1 法人卡, 2 操作员卡), the issuing sub-centre's code (4), a serial (9),
a Luhn check digit. Unique by construction (the serial is the card row's id), never typed."""

from stdnum import luhn

from .models import CardKind

KIND_DIGIT: dict[str, str] = {CardKind.LEGAL: "1", CardKind.OPERATOR: "2"}
LENGTH = 15


def card_no_make(*, kind: str, issuer_code: str, serial: int) -> str:
    body = f"{KIND_DIGIT[kind]}{issuer_code[:4]:0>4}{serial:09d}"
    return body + luhn.calc_check_digit(body)


def card_no_valid(card_no: str) -> bool:
    return (
        isinstance(card_no, str)
        and len(card_no) == LENGTH
        and card_no.isascii()
        and card_no.isdigit()
        and card_no[0] in KIND_DIGIT.values()
        and luhn.is_valid(card_no)
    )
