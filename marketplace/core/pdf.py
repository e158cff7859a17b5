"""The one PDF renderer: a template rendered in Simplified Chinese (the
language of record) with the platform's CJK font embedded, by WeasyPrint.

Every document the platform issues (call, opening record, receipt, report,
letters, catalogue) goes through ``render_pdf``; the template gets
``font_url``, ``district`` and ``generated_at`` besides its own context."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import override


def cjk_font_path():
    """The Noto Sans CJK font file shipped by a PyPI package (no system font needed)."""
    import cvttf_NotoSansCJK_Regular

    return cvttf_NotoSansCJK_Regular.get_TTF_path()


def render_pdf(template, context):
    from weasyprint import HTML  # heavy: imported when a PDF is made

    with override("zh-hans"):
        html = render_to_string(
            template,
            {
                "font_url": "file://" + cjk_font_path(),
                "district": settings.PLATFORM_DISTRICT_NAME,
                "generated_at": timezone.localtime(),
                **context,
            },
        )
    return HTML(string=html).write_pdf()
