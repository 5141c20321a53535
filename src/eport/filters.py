"""The lists' filters (综合查询, 企业操作员, 业务办理, 审核队列, …), one rule for all: a value left blank is no
filter, a typed one is taken without its surrounding spaces, and a choice outside its list is refused with
the list's own code and message (not an empty list, which would hide the mistake)."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.functional import Promise

from eport.errors import InvalidInput


def filter_given(qs: QuerySet, **lookups: str) -> QuerySet:
    """`qs` narrowed by each lookup whose value, stripped, is not blank (the caller normalises it further,
    e.g. `.upper()` for a code)."""
    given = {lookup: value.strip() for lookup, value in lookups.items() if value.strip()}
    return qs.filter(**given) if given else qs


def filter_choice(
    qs: QuerySet, field: str, value: str | None, choices: Iterable[str], code: str, message: str | Promise
) -> QuerySet:
    """`qs` narrowed to `field` = `value` when a value is given; one not among `choices` is refused (400)."""
    if not value:
        return qs
    if value not in choices:
        raise InvalidInput(code, message, field)
    return qs.filter(**{field: value})
