"""What an uploaded file really is, from its first bytes (pure: no Flask, no database).

Only images (PNG, JPEG, WebP) and PDF are accepted; the name and the declared Content-Type are
never trusted. Signatures: PNG (RFC 2083 §3.1), JPEG SOI + marker, WebP (RIFF....WEBP), PDF (%PDF-).
"""
import re

ALLOWED = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "application/pdf": ".pdf"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def sniff_media_type(head):
    """The media type the leading bytes `head` prove, or None when they match no accepted format."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_filename(name, media_type):
    """A harmless display name: path parts, control and special characters dropped, the real extension."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")[:100] or "attachment"
    return stem + ALLOWED[media_type]
