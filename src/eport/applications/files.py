"""Attachment content checks: the type comes from the bytes, never from the name."""

import io
from dataclasses import dataclass

import pikepdf
from PIL import Image, UnidentifiedImageError

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"


def sniff(head: bytes, tail: bytes, whole) -> str | None:
    """Return the content type of a PDF, JPEG or PNG file, or None for anything else."""
    if head.startswith(b"%PDF-"):
        return PDF if b"%%EOF" in tail else None
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        try:
            with Image.open(whole) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
            return None
        return {"JPEG": JPEG, "PNG": PNG}.get(fmt or "")
    return None


def sniff_upload(upload) -> str | None:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return sniff(data[:16], data[-2048:], io.BytesIO(data))


# --- PDFs checked by parsing them (报关单电子随附单据, SPEC §6.3) ------------------------------------------


@dataclass
class PdfReport:
    """What parsing a PDF found: `problem` is None for a good file, else "not_pdf", "encrypted", "broken"
    or "page_too_large" (then `page`, 1-based, and its `page_bytes`); `pages` the page count."""

    problem: str | None = None
    pages: int = 0
    page: int = 0
    page_bytes: int = 0
    largest: int = 0  # the largest page's size, for the record


def _stream_bytes(obj) -> int:
    """The bytes a stream takes in the file: its encoded (raw) data, not what it inflates to."""
    return len(obj.read_raw_bytes())


def page_bytes(page) -> int:
    """A page's size: its content streams plus every XObject it uses (images, forms, and what a form itself
    uses, recursively), each counted once for the page, as stored in the file (the encoded bytes).
    Fonts, annotations and the file's structure are not counted: a font is shared by every page and a
    converted Word file embeds one whole CJK font, which alone may exceed a page's allowance."""
    seen: set[tuple[int, int]] = set()
    total = 0

    def once(obj) -> bool:
        if obj.is_indirect:
            key = obj.objgen
            if key in seen:
                return False
            seen.add(key)
        return True

    contents = page.obj.get("/Contents")
    if contents is not None:
        for c in contents if isinstance(contents, pikepdf.Array) else [contents]:
            if isinstance(c, pikepdf.Stream) and once(c):
                total += _stream_bytes(c)

    def xobjects(resources) -> None:
        nonlocal total
        if not isinstance(resources, pikepdf.Dictionary):
            return
        xobjs = resources.get("/XObject")
        if not isinstance(xobjs, pikepdf.Dictionary):
            return
        for _name, x in xobjs.items():
            if isinstance(x, pikepdf.Stream) and once(x):
                total += _stream_bytes(x)
                if x.get("/Subtype") == "/Form":
                    xobjects(x.get("/Resources"))
                smask = x.get("/SMask")  # an image's soft mask is part of the image
                if isinstance(smask, pikepdf.Stream) and once(smask):
                    total += _stream_bytes(smask)

    xobjects(page.obj.get("/Resources"))
    return total


def pdf_check(upload, *, max_page_bytes: int) -> PdfReport:
    """Parse a PDF (pikepdf) and measure each page: a PDF by content (the header and EOF marker, then a
    parse), not encrypted (neither a user nor an owner password), not broken (it opens, has pages, and every
    page's streams read), each page within `max_page_bytes` (page_bytes). The first page over answers."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0, io.SEEK_END)
    end = upload.tell()
    upload.seek(max(0, end - 2048))
    tail = upload.read()
    upload.seek(0)
    if not head.startswith(b"%PDF-") or b"%%EOF" not in tail:
        return PdfReport("not_pdf")
    try:
        with pikepdf.open(upload) as pdf:
            if pdf.is_encrypted:  # an owner password only: it opens, but it is still encrypted
                return PdfReport("encrypted")
            report = PdfReport(pages=len(pdf.pages))
            if report.pages == 0:
                return PdfReport("broken")
            for number, page in enumerate(pdf.pages, start=1):
                size = page_bytes(page)
                report.largest = max(report.largest, size)
                if size > max_page_bytes:
                    return PdfReport("page_too_large", report.pages, number, size, report.largest)
            return report
    except pikepdf.PasswordError:
        return PdfReport("encrypted")
    except (pikepdf.PdfError, pikepdf.ForeignObjectError, ValueError, TypeError, KeyError, RuntimeError):
        return PdfReport("broken")
    finally:
        upload.seek(0)
