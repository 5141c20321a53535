"""Real PDFs for the 随附单据 tests, written with pikepdf: pages of a chosen size (an image XObject of random,
incompressible bytes), encrypted ones, broken ones. Generated in the test, never kept in the repository."""

import io
import os

import pikepdf

from tests.sample_pdf import sample_pdf


def good() -> bytes:
    return sample_pdf("invoice")


def with_pages(sizes: list[int]) -> bytes:
    """A PDF whose page i carries an image of sizes[i] bytes (its size per applications/files.page_bytes is
    that plus a tiny content stream)."""
    pdf = pikepdf.new()
    for size in sizes:
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        side = max(1, int((size / 3) ** 0.5))
        data = os.urandom(side * side * 3)
        image = pikepdf.Stream(pdf, data)
        image["/Type"] = pikepdf.Name.XObject
        image["/Subtype"] = pikepdf.Name.Image
        image["/Width"], image["/Height"] = side, side
        image["/ColorSpace"] = pikepdf.Name.DeviceRGB
        image["/BitsPerComponent"] = 8
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pikepdf.Stream(pdf, b"q 500 0 0 500 40 200 cm /Im0 Do Q")
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def encrypted(user: str = "secret") -> bytes:
    pdf = pikepdf.open(io.BytesIO(good()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner-pass", user=user))
    return out.getvalue()


def broken() -> bytes:
    """Looks like a PDF (header, EOF marker), but nothing in it parses."""
    return b"%PDF-1.7\n" + os.urandom(4096).replace(b"%%EOF", b"") + b"\n%%EOF\n"


def fake() -> bytes:
    """A text file: named .pdf by the tests, refused by its content."""
    return b"This is not a PDF, whatever its name says.\n" * 20
