"""Attachment content checks: the type comes from the bytes, never from the name."""

import io

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
