#!/usr/bin/env python
"""The per-page check of a 报关单随附单据 PDF (SPEC §6.3: ≤ 20 MB a file, ≤ 200 KB a page).

    python bench/bench_pdf_pages.py                    # ~20 MB: 110 pages of ~180 KB images
    python bench/bench_pdf_pages.py --pages 400 --page-kb 50 --runs 5

Builds, in a temporary file (never kept), a PDF of N pages, each carrying one image XObject of random
(incompressible) bytes plus a small content stream, all under the 200 KB allowance; then times
`eport.applications.files.pdf_check` on it (pikepdf: open, encryption, every page's size = its content
streams + the XObjects it uses, applications/files.page_bytes), as the upload does: reading from a file
on disk (Django's TemporaryUploadedFile of a large upload). Prints the file size, the time per file and
per page (median of --runs), and the page sizes measured.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pikepdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from eport.applications.files import pdf_check  # noqa: E402  (after the path: a script, no install needed)

MAX_PAGE_BYTES = 200 * 1024


def build(pages: int, page_kb: int, out) -> None:
    pdf = pikepdf.new()
    side = int((page_kb * 1024 / 3) ** 0.5)
    for i in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
        page = pdf.pages[-1]
        image = pikepdf.Stream(pdf, os.urandom(side * side * 3))
        image["/Type"], image["/Subtype"] = pikepdf.Name.XObject, pikepdf.Name.Image
        image["/Width"], image["/Height"] = side, side
        image["/ColorSpace"], image["/BitsPerComponent"] = pikepdf.Name.DeviceRGB, 8
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pikepdf.Stream(pdf, f"q 500 0 0 500 40 200 cm /Im0 Do Q % page {i + 1}".encode())
    pdf.save(out, compress_streams=False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pages", type=int, default=110)
    p.add_argument("--page-kb", type=int, default=180)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    with tempfile.TemporaryFile() as fh:
        t = time.perf_counter()
        build(a.pages, a.page_kb, fh)
        built = time.perf_counter() - t
        size = fh.tell()
        times = []
        for _ in range(a.runs):
            fh.seek(0)
            t = time.perf_counter()
            report = pdf_check(fh, max_page_bytes=MAX_PAGE_BYTES)
            times.append(time.perf_counter() - t)
        assert report.problem is None, report
        # The same file from memory (a small upload is an in-memory file).
        fh.seek(0)
        data = io.BytesIO(fh.read())
        t = time.perf_counter()
        pdf_check(data, max_page_bytes=MAX_PAGE_BYTES)
        in_memory = time.perf_counter() - t
    med = statistics.median(times)
    print(
        f"pikepdf {pikepdf.__version__}, qpdf {pikepdf.__libqpdf_version__}, Python {sys.version.split()[0]}"
    )
    print(
        f"file: {size / 1024 / 1024:.1f} MB, {report.pages} pages, largest page {report.largest / 1024:.0f} KB "
        f"(limit {MAX_PAGE_BYTES // 1024} KB); built in {built:.1f} s"
    )
    print(
        f"pdf_check from disk: median {med * 1000:.0f} ms of {a.runs} runs (min {min(times) * 1000:.0f}, "
        f"max {max(times) * 1000:.0f}) = {med / report.pages * 1000:.2f} ms a page"
    )
    print(f"pdf_check from memory: {in_memory * 1000:.0f} ms")


if __name__ == "__main__":
    main()
