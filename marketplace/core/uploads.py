"""Uploaded files, for every domain: one door.

An uploaded file is trusted for nothing but its bytes.  ``read_upload``
counts its size while reading it (against the caller's limit), hashes it
(SHA-256), sniffs its type from the content (PDF, JPEG or PNG; the file name
and the browser's content type are ignored) and refuses a PDF that is
truncated or not a plain PDF (``marketplace.core.pdf_check``).  A refusal is
an ``UploadRefusedError`` (a ``DomainError`` on the field ``file``) whose
message never tells an uploader what to change to get active content past
the check.  ``clean_original_name`` makes the name safe to show.

``SizeLimitUploadHandler`` is a ceiling on every uploaded file, enforced
while the request body is read: a multipart body is parsed (to memory or a
temporary file) before any view runs, even by the CSRF check, so a view's own
size check comes too late to stop a huge upload filling the disk.  The
callers keep their own, smaller limits (5 MB for organization documents, for
example).  Files are stored with no public URL
(``marketplace.organizations.models.private_storage``, where the schema's
history names it) and the Wagtail document library checks its PDFs through
``marketplace.core.document_upload``."""

import hashlib
import logging
import os
import re
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core import pdf_check
from marketplace.core.errors import DomainError

logger = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A complete PDF ends with "%%EOF" (perhaps followed by a line break or a few
# bytes of padding); look for it in the last kilobyte.
PDF_EOF = b"%%EOF"
PDF_TAIL_BYTES = 1024

#: one neutral message: the reason stays in the log
PDF_REFUSED = gettext_lazy(
    "This PDF file cannot be accepted: it is not a plain PDF document or it contains active "
    "content (such as scripts, actions or embedded files). Print or scan the document to a "
    "new PDF file and upload that."
)


class UploadRefusedError(DomainError):
    """An uploaded file was refused (empty, too large, of an unknown type,
    cut off, or a PDF with active content); the message is for the user."""

    default_code = "upload_refused"

    def __init__(self, message, field="file", code=None):
        super().__init__(message, field, code)


def sniff(head):
    """The content type the first bytes announce (``PDF``, ``JPEG``, ``PNG``), or None."""
    if head.startswith(PDF_MAGIC):
        return PDF
    if head.startswith(JPEG_MAGIC):
        return JPEG
    if head.startswith(PNG_MAGIC):
        return PNG
    return None


def limit_text(limit):
    """The size limit in MB: "5", "2.5", or for a tiny limit "0.0001"."""
    megabytes = Decimal(limit) / Decimal(1024 * 1024)
    exponent = min(megabytes.adjusted() - 1, -1)  # two significant digits, at least one decimal place
    return f"{megabytes.quantize(Decimal(1).scaleb(exponent)).normalize():f}"


def read_upload(file, *, limit):
    """Read the upload in chunks: ``(size, sha256, content_type)``.  Raises
    ``UploadRefusedError`` (field ``file``) for an empty, oversize, unknown
    or truncated file, or a PDF that is not plain."""
    too_big = UploadRefusedError(
        _("The file is too large: at most %(size)s MB.") % {"size": limit_text(limit)}, code="too_large"
    )
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise too_big
    if hasattr(file, "seek"):
        file.seek(0)
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    content = bytearray()  # at most ``limit`` bytes (a few MB): the PDF check reads it whole
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(64 * 1024), b""):
        size += len(chunk)
        if size > limit:
            raise too_big
        digest.update(chunk)
        content += chunk
        if len(head) < 16:
            head = (head + chunk)[:16]
        tail = (tail + chunk)[-PDF_TAIL_BYTES:]
    if size == 0:
        raise UploadRefusedError(_("The file is empty."), code="empty")
    content_type = sniff(head)
    if content_type is None:
        raise UploadRefusedError(
            _(
                "This file is not a PDF, JPEG or PNG file (its content was checked, not its name). "
                "Scan or save the document as PDF, JPG or PNG and upload it again."
            ),
            code="unknown_type",
        )
    if content_type == PDF and PDF_EOF not in tail:
        raise UploadRefusedError(
            _("This PDF file is incomplete (its end is missing): the upload may have been cut off. Upload it again."),
            code="truncated",
        )
    if content_type == PDF:
        try:
            pdf_check.check_pdf(content)
        except pdf_check.PDFRefusedError as refused:
            # One neutral message: the reason stays in the log, never tells an uploader what to change.
            logger.warning("Refused an uploaded PDF (sha256 %s): %s", digest.hexdigest(), refused.reason)
            raise UploadRefusedError(str(PDF_REFUSED), code="pdf_refused") from refused
    if hasattr(file, "seek"):
        file.seek(0)
    return size, digest.hexdigest(), content_type


def clean_original_name(name, *, max_length=200):
    """The file's base name, without folders or control characters, at most
    ``max_length`` characters (the extension kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip().strip(".")
    name = " ".join(name.split())
    if len(name) > max_length:
        stem, extension = os.path.splitext(name)
        if len(extension) > 10:
            stem, extension = name, ""
        name = stem[: max_length - len(extension)] + extension
    return name or "document"


class SizeLimitUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            # Stop reading; the file is dropped and the view sees no file.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file
