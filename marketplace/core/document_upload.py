"""The form Wagtail's document library uploads through
(``WAGTAILDOCS_DOCUMENT_FORM_BASE``): a PDF must be a plain PDF without
active content, as for every other upload (``marketplace.core.pdf_check``);
a file named .pdf must be one.  Wagtail serves the documents as attachments
inside an empty sandbox (``marketplace.core.headers``).  The rules for every
other upload are in ``marketplace.core.uploads``."""

import logging

from django import forms
from wagtail.documents.forms import BaseDocumentForm

from marketplace.core import pdf_check, uploads

logger = logging.getLogger(__name__)

PDF_REFUSED = uploads.PDF_REFUSED  # the one message every upload refuses a PDF with


class CheckedDocumentForm(BaseDocumentForm):
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload or upload == self.original_file or not hasattr(upload, "read"):
            return upload
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = upload.read()
        if hasattr(upload, "seek"):
            upload.seek(0)
        named_pdf = str(getattr(upload, "name", "")).lower().endswith(".pdf")
        if named_pdf or content.startswith(b"%PDF-"):
            try:
                pdf_check.check_pdf(content)
            except pdf_check.PDFRefusedError as refused:
                logger.warning("Refused a PDF for the document library: %s", refused.reason)
                raise forms.ValidationError(PDF_REFUSED, code="pdf_refused") from refused
        return upload
