"""Files meant to be opened in a spreadsheet (the open-data downloads).

A cell that begins with ``=``, ``+``, ``-``, ``@`` or a control character
is a formula to Excel and LibreOffice, and names and titles here are typed
by the public (CSV/formula injection).  No library covers both the CSV and
the streamed xlsx path, hence these few lines."""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # tells Excel that a CSV file is UTF-8


def safe_text(value):
    """``value`` as it should stand in a CSV cell: text that a spreadsheet
    would take for a formula gets a leading apostrophe; numbers stay as they are."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Line:
    """What ``csv.writer`` writes to: it hands each line back."""

    def write(self, value):
        return value


def csv_lines(rows):
    """The lines of a CSV file (the first with the BOM), one per row of
    ``rows``, every cell through ``safe_text``: for a ``StreamingHttpResponse``."""
    writer = csv.writer(_Line())
    first = True
    for row in rows:
        line = writer.writerow([safe_text(cell) for cell in row])
        yield (BOM + line) if first else line
        first = False


def text_cell(sheet, value):
    """An xlsx cell of a write-only ``sheet``: text is stored as text, never
    as a formula; other values as they are."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
