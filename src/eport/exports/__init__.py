"""Excel (.xlsx) exports of the lists (eport/exports/xlsx.py writes them) and, for a list longer than
EPORT_EXPORT_INLINE_ROWS, the export job (`ExportJob`) a worker writes to storage: eport/exports/jobs.py.

This package is also a Django app (its model, its task); what the screens and the API call is loaded on
first use, so that loading the app does not import the domain apps the exports read."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eport.exports.xlsx import LISTS, XLSX, _text, xlsx_response

__all__ = ["LISTS", "XLSX", "_text", "xlsx_response"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from eport.exports import xlsx

        return getattr(xlsx, name)
    raise AttributeError(name)
