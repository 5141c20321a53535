from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils.translation import gettext as _

from eport.errors import Code, InvalidInput

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # beyond any real list; keeps the OFFSET inside every database's integer range


def paginate(
    qs, page=1, page_size=20, *, deferred_join: bool = False, count_limit: int | None = None
) -> tuple[list, int]:
    """One page of a queryset and the total count (API.md: page_size <= 100).

    None or "" mean "not given"; anything else, 0 included, must be a valid number.
    `deferred_join`: take the page's keys from the filtered table alone, then join only those rows
    (select_related) — for long lists whose joins would otherwise run on every match before the sort.
    `count_limit`: count no further than this; a total of count_limit + 1 then means "more than that".
    """
    try:
        page = 1 if page in (None, "") else int(page)
        page_size = 20 if page_size in (None, "") else int(page_size)
    except (TypeError, ValueError):
        raise InvalidInput(Code.PAGE_INVALID, _("页码和每页条数必须是数字。"), "page") from None
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(Code.PAGE_INVALID, _("页码必须在1到100000之间。"), "page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(Code.PAGE_SIZE_INVALID, _("每页条数必须在1到100之间。"), "page_size")
    start = (page - 1) * page_size
    if count_limit is not None and start + page_size <= count_limit:
        # One pass for the page and the count: the first count_limit + 1 keys in the list's order. The
        # order lets the database stop early on a common match (walking the newest rows) and use an index
        # on a rare one; the page's rows are then read by key.
        keys = list(qs.values_list("pk", flat=True)[: count_limit + 1])
        return _rows(qs, keys[start : start + page_size]), len(keys)
    if not deferred_join:
        items = keys = list(qs[start : start + page_size])
    else:
        keys = list(qs.values_list("pk", flat=True)[start : start + page_size])
        items = _rows(qs, keys)
    return items, _count(qs, count_limit, start, len(keys), page_size)


def _rows(qs, keys: list) -> list:
    """The rows of these keys, in their order, with the list's select_related joins."""
    rows = qs.model._default_manager.filter(pk__in=keys)
    rows.query.select_related = qs.query.select_related
    by_pk = {row.pk: row for row in rows}
    return [by_pk[k] for k in keys if k in by_pk]


def _count(qs, limit: int | None, start: int, got: int, page_size: int) -> int:
    """The number of rows, or limit + 1 when there are more than `limit` (counting them all would read
    every match: a sub-centre's million cards for a one-character name). A first page that is not full
    is the whole list: no second pass over the matches (the rare-match searches, the slowest to count)."""
    if start == 0 and got < page_size:
        return got
    if limit is None:
        return qs.count()
    return qs[: limit + 1].count()  # ordered, like the page: the same plan, stopping early


@contextmanager
def planned_for_values(model=None):
    """PostgreSQL: plan the statements inside for their actual values. With prepared statements
    (EPORT_PG_PREPARED) the server may settle on one generic plan per statement, which for a search whose
    best plan depends on how common the searched value is (a surname or a full name) can be a thousand
    times slower (docs/benchmarks.md). On the database the model's reads go to (a replica, eport.dbrouter)."""
    alias = router.db_for_read(model) if model is not None else DEFAULT_DB_ALIAS
    if connections[alias].vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield
