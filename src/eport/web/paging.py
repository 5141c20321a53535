"""The screens' lists: PAGE_SIZE rows a page, the requested page (or the first when the number is
unusable), and what _pager.html needs."""

from urllib.parse import urlencode

from eport.pagination import MAX_PAGE, paginate

PAGE_SIZE = 10


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def page_number(request) -> int:
    """The ?page= asked for; a screen shows the first page for anything unusable (a link is never refused)."""
    raw = (request.GET.get("page") or "").strip()
    page = int(raw) if raw.isdecimal() else 1
    return page if 1 <= page <= MAX_PAGE else 1


def page_of(request, qs, deferred_join=False, count_limit=None) -> tuple[list, int, int]:
    """(rows, total, page) of the requested page of a list."""
    page = page_number(request)
    items, total = paginate(qs, page, PAGE_SIZE, deferred_join=deferred_join, count_limit=count_limit)
    return items, total, page


def pager(total: int, page: int, keep: dict, *, capped: bool = False) -> dict:
    """What _pager.html needs: the total, the page and the number of pages, the query the links keep."""
    return {
        "total": total,
        "total_capped": capped,
        "page": page,
        "pages": page_count(total),
        "querystring": urlencode({k: v for k, v in keep.items() if v}),
    }


def export_query(q: dict) -> str:
    """The query string of the list's 导出Excel link: its filters, and export=xlsx."""
    return urlencode({**{k: v for k, v in q.items() if v}, "export": "xlsx"})
