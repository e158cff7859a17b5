"""The contrast helper the browser journeys use: known WCAG values."""

import pytest

from tests.e2e.contrast import composite, contrast_ratio, meets_aa, parse_color, relative_luminance


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("#fff", (255, 255, 255, 1.0)),
        ("#A4161A", (164, 22, 26, 1.0)),
        ("#0b4f8a80", (11, 79, 138, 128 / 255)),
        ("rgb(255, 255, 255)", (255, 255, 255, 1.0)),
        ("rgba(0, 0, 0, 0.25)", (0, 0, 0, 0.25)),
        ("rgb(0 0 0 / 50%)", (0, 0, 0, 0.5)),
        ("transparent", (0, 0, 0, 0.0)),
        ((1, 2, 3), (1, 2, 3, 1.0)),
    ],
)
def test_parse_color(value, expected):
    assert parse_color(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", ["", "#12", "#ggg", "rgb(1, 2)", "var(--red)", "blue-ish"])
def test_parse_color_refuses_what_it_cannot_read(value):
    with pytest.raises(ValueError):
        parse_color(value)


def test_luminance_and_ratio_of_the_extremes():
    assert relative_luminance("#000") == 0
    assert relative_luminance("#fff") == pytest.approx(1)
    assert contrast_ratio("#000", "#fff") == pytest.approx(21)
    assert contrast_ratio("#fff", "#000") == pytest.approx(21)


def test_white_on_white_fails_and_the_site_colours_pass():
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1)
    assert not meets_aa("rgb(255, 255, 255)", "rgb(255, 255, 255)")
    # The stylesheet's red header and blue links.
    assert contrast_ratio("#fff", "#a4161a") == pytest.approx(7.75, abs=0.01)
    assert contrast_ratio("#0b4f8a", "#fff") == pytest.approx(8.40, abs=0.01)
    assert meets_aa("#4a5260", "#f5f6f8")


def test_thresholds_for_text_and_large_text():
    # #767676 on white is the classic 4.54:1 grey; #959595 is about 3:1.
    assert meets_aa("#767676", "#fff")
    assert not meets_aa("#777777", "#f5f6f8")
    assert not meets_aa("#959595", "#fff")
    assert meets_aa("#949494", "#fff", large=True)


def test_translucent_colours_are_composited():
    assert composite("rgba(0, 0, 0, 0.5)", "#fff")[:3] == pytest.approx((127.5, 127.5, 127.5))
    # A transparent background shows what is beneath it.
    assert contrast_ratio("#fff", "rgba(0, 0, 0, 0)", over="#a4161a") == pytest.approx(
        contrast_ratio("#fff", "#a4161a")
    )
    assert not meets_aa("#fff", "transparent")  # over the default white
    # White text at 20 % opacity on white is still unreadable.
    assert contrast_ratio("rgba(255, 255, 255, .2)", "#000") < 2
