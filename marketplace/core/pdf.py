"""The one PDF renderer: a template rendered with the platform's CJK font
embedded, by WeasyPrint.

Every document the platform issues (call, opening record, receipt, report,
letters, catalogue) goes through ``render_pdf``; the template gets
``district``, ``generated_at`` and ``language`` besides its own
context; the font family ``PlatformCJK`` is declared once (``_fonts``).

Which language a PDF is in (issue 14): a **legal record** is issued in
Simplified Chinese only, the language of record, whoever asks for it (the
call announcement, the opening record, the bid receipt, the evaluation
report, the award notice and the result letters: documents a challenge or an
audit relies on, with digests recorded for the Chinese text); the page that
offers one says so (``templates/includes/legal_record_notice.html``).  Any
other document (the catalogue) follows the reader's language: its caller
passes ``language``."""

import atexit
import threading
import types

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override

from marketplace.core.languages import district_name, supported

# The language of legal records: the default of ``render_pdf``.
LANGUAGE_OF_RECORD = "zh-hans"


def cjk_font_path():
    """The Noto Sans CJK font file shipped by a PyPI package (no system font needed)."""
    import cvttf_NotoSansCJK_Regular

    return cvttf_NotoSansCJK_Regular.get_TTF_path()


def render_pdf(template, context, *, language=LANGUAGE_OF_RECORD):
    """``template`` as a PDF, rendered in ``language`` (the language of
    record unless the document is not a legal record, see above)."""
    from weasyprint import HTML  # heavy: imported when a PDF is made

    language = supported(language) or LANGUAGE_OF_RECORD
    with override(language):
        html = render_to_string(
            template,
            {
                "district": district_name(language),
                "generated_at": timezone.localtime(),
                "language": language,
                **context,
            },
        )
    fonts = _fonts()
    return HTML(string=html).write_pdf(stylesheets=[fonts.stylesheet], font_config=fonts.config)


_local = threading.local()


def _fonts():
    """The CJK font, registered once per thread and shared by every PDF the
    thread renders (issue 18).  Declared in each template instead, WeasyPrint
    copied the 16 MB font file to a new temporary folder and registered it
    with fontconfig for every document (bench/pdfs.py: about a fifth of a
    document's CPU time).  Per thread, because a fontconfig/Pango font map is
    not meant to be shared by threads rendering at once."""
    fonts = getattr(_local, "fonts", None)
    if fonts is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        config = FontConfiguration()
        stylesheet = CSS(
            string=f'@font-face {{ font-family: "PlatformCJK"; src: url("file://{cjk_font_path()}"); }}',
            font_config=config,
        )
        fonts = _local.fonts = types.SimpleNamespace(config=config, stylesheet=stylesheet)
        # Let WeasyPrint remove its temporary font folder while the interpreter
        # can still run its clean-up (at shutdown its modules are gone).
        atexit.register(vars(_local).pop, "fonts", None)
    return fonts
