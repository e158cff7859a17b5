"""Catalogue files: import of .xlsx/.csv into a draft version (all or
nothing, with a row-by-row report), export of a version as .xlsx and PDF.

The file format uses Chinese column headers, the same for import and export,
so an exported file imports back unchanged."""

import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalogue import tasks
from marketplace.catalogue.models import CatalogueImport, CatalogueItem, CatalogueVersion, ServiceCategory
from marketplace.core.audit import record_event
from marketplace.core.jobs import enqueue_on_commit
from marketplace.core.pdf import render_pdf

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# An .xlsx file is a zip archive: its parts are checked from the archive's
# directory before anything is decompressed, so a small "zip bomb" that
# inflates to gigabytes is refused without being read.  Python's zipfile
# never inflates a part beyond its declared size (and then fails its CRC),
# so the declared sizes are what reading can cost.  A real catalogue of
# MAX_ROWS rows inflates to a few tens of MB at most, at ratios of 10-30.
MAX_ARCHIVE_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # tiny parts compress well and cost nothing
PROGRESS_EVERY = 25

# (field, header): the columns of the file, in order.
COLUMNS = [
    ("code", "编码"),
    ("name", "名称"),
    ("major", "大类"),
    ("minor", "小类"),
    ("department", "责任部门"),
    ("kind", "类型"),
    ("content", "服务内容"),
    ("quantity", "服务数量"),
    ("quality", "质量要求"),
    ("outputs", "预期成果"),
    ("unit", "计价单位"),
    ("price_min", "参考单价"),
    ("price_max", "参考单价上限"),
    ("tracks", "适用组织"),
    ("status", "状态"),
    ("retired_reason", "退出原因"),
]
HEADER = dict(COLUMNS)
REQUIRED_COLUMNS = ["code", "name", "major", "minor", "department", "kind", "content", "unit", "price_min"]

KIND_WORDS = {"承办": CatalogueItem.Kind.UNDERTAKEN, "协办": CatalogueItem.Kind.ASSISTED}
KIND_NAMES = {v: k for k, v in KIND_WORDS.items()}
UNIT_WORDS = {
    "人次": CatalogueItem.Unit.PERSON_TIME,
    "场次": CatalogueItem.Unit.SESSION,
    "户": CatalogueItem.Unit.HOUSEHOLD,
    "月": CatalogueItem.Unit.MONTH,
    "小时": CatalogueItem.Unit.HOUR,
    "项目": CatalogueItem.Unit.PROJECT,
    "年": CatalogueItem.Unit.YEAR,
}
UNIT_NAMES = {v: k for k, v in UNIT_WORDS.items()}
TRACK_FILED, TRACK_REGISTERED = "备案", "登记"
STATUS_ACTIVE, STATUS_RETIRED = "有效", "已退出"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,29}$")  # also a URL segment: /catalogue/<code>/
MAX_PRICE = Decimal("9999999999.99")

# Error messages by code; rendered in the reader's language when shown.
MESSAGES = {
    "file_type": _("Only .xlsx and .csv files can be imported."),
    "file_size": _("The file is larger than 5 MB."),
    "not_xlsx": _("The file is named .xlsx but is not a valid Excel workbook."),
    "archive_too_large": _(
        "The workbook would unpack to more than %(max)s MB or is packed unusually tightly, so it was not opened. "
        "Save it again in Excel (or export it as .csv) and upload that file."
    ),
    "not_text": _("The file is named .csv but is not a text file (use UTF-8 or GB18030)."),
    "empty": _("The file has no rows of items."),
    "too_many_rows": _("The file has more than %(max)s rows; split it."),
    "missing_columns": _("The header row lacks these columns: %(columns)s."),
    "required": _("This cell is required."),
    "too_long": _("At most %(max)s characters."),
    "bad_code": _("A code has letters, digits and hyphens only (at most 30)."),
    "duplicate_in_file": _("The code %(code)s appears more than once in the file (also on row %(other)s)."),
    "duplicate_in_version": _("The code %(code)s exists already in this catalogue version."),
    "unknown_major": _("Unknown major category “%(value)s”."),
    "unknown_minor": _("Unknown minor category “%(value)s” under “%(major)s”."),
    "bad_kind": _("Write 承办 or 协办."),
    "bad_unit": _("Unknown pricing unit “%(value)s”; use one of %(choices)s."),
    "not_number": _("“%(value)s” is not a number."),
    "negative": _("A price cannot be negative."),
    "too_precise": _("At most two decimal places."),
    "too_large": _("The amount is too large."),
    "range_order": _("The upper price is below the reference price."),
    "bad_tracks": _("Write 备案, 登记, or both (备案、登记)."),
    "bad_status": _("Write 有效 or 已退出."),
    "retired_without_reason": _("A retired item needs a reason for retiring."),
    "version_locked": _("The catalogue version is no longer a draft; nothing was imported."),
    "unexpected": _("The file could not be processed (an unexpected error); nothing was imported. Try again."),
}


def error(message, row=None, column=None, **params):
    """One problem: ``message`` is a key of MESSAGES, ``params`` fill it in."""
    return {"row": row, "column": HEADER.get(column, column) if column else None, "code": message, "params": params}


def render_error(err):
    template = MESSAGES.get(err["code"], err["code"])
    return str(template) % err["params"] if err["params"] else str(template)


class FileRejectedError(Exception):
    def __init__(self, err):
        super().__init__(err["code"])
        self.error = err


# --- Reading files --------------------------------------------------------------


def read_rows(filename, content):
    """Return the rows of the file as lists of cell values (header first).
    The type is judged from the content, not only the name."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise FileRejectedError(error("file_size"))
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(content)
    if lower.endswith(".csv"):
        return _read_csv(content)
    raise FileRejectedError(error("file_type"))


def _read_xlsx(content):
    import openpyxl

    if not content.startswith(b"PK\x03\x04"):
        raise FileRejectedError(error("not_xlsx"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileRejectedError(error("not_xlsx"))
            check_archive(archive)
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileRejectedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure means "not a workbook"
        raise FileRejectedError(error("not_xlsx")) from exc
    try:
        rows = []
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:  # header + the limit: stop reading, it is refused anyway
                break
        return rows
    except Exception as exc:  # noqa: BLE001 - a damaged sheet inside a real zip
        raise FileRejectedError(error("not_xlsx")) from exc
    finally:
        workbook.close()


def check_archive(archive):
    """Refuse a zip archive whose parts, by the archive's own directory,
    inflate to too much in total, too many parts, or one part packed at a
    ratio no spreadsheet reaches.  Nothing is decompressed here."""
    members = archive.infolist()
    refused = FileRejectedError(error("archive_too_large", max=MAX_UNCOMPRESSED_BYTES // (1024 * 1024)))
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise refused
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNCOMPRESSED_BYTES:
            raise refused
        if member.file_size >= RATIO_CHECKED_FROM_BYTES and (
            member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise refused


def check_xlsx_upload(content):
    """For the upload form: the archive check alone, so a zip bomb is refused
    at once and never stored.  The full read happens in the import job."""
    if not content.startswith(b"PK\x03\x04"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_archive(archive)
    except zipfile.BadZipFile:
        return  # the job reports it as "not a workbook"


def _read_csv(content):
    if b"\x00" in content or content.startswith(b"PK\x03\x04"):
        raise FileRejectedError(error("not_text"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileRejectedError(error("not_text"))
    rows = []
    try:
        for row in csv.reader(io.StringIO(text)):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        raise FileRejectedError(error("not_text")) from exc
    return rows


# --- Validating rows -----------------------------------------------------------------


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _money(raw, column, row, errors):
    if raw == "":
        return None
    try:
        amount = Decimal(raw.replace(",", "").replace("，", ""))
    except InvalidOperation:
        errors.append(error("not_number", row, column, value=raw))
        return None
    if not amount.is_finite():
        errors.append(error("not_number", row, column, value=raw))
        return None
    if amount < 0:
        errors.append(error("negative", row, column))
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.append(error("too_precise", row, column))
        return None
    if amount > MAX_PRICE:
        errors.append(error("too_large", row, column))
        return None
    return amount.quantize(Decimal("0.01"))


@dataclass
class Categories:
    majors: dict
    minors: dict

    @classmethod
    def load(cls):
        majors, minors = {}, {}
        for category in ServiceCategory.objects.all():
            if category.parent_id is None:
                majors[category.name] = category
        for category in ServiceCategory.objects.filter(parent__isnull=False):
            minors[(category.parent_id, category.name)] = category
        return cls(majors, minors)


def validate_row(number, values, categories, seen_codes, existing_codes):
    """Check one row; return (item fields or None, errors)."""
    errors = []
    fields = {}
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            errors.append(error("required", number, column))
    for column, limit in (("code", 30), ("name", 200), ("department", 100)):
        if len(values.get(column, "")) > limit:
            errors.append(error("too_long", number, column, max=limit))

    code = values.get("code", "")
    if code:
        if not CODE_RE.match(code):
            errors.append(error("bad_code", number, "code"))
        elif code in seen_codes:
            errors.append(error("duplicate_in_file", number, "code", code=code, other=seen_codes[code]))
        elif code in existing_codes:
            errors.append(error("duplicate_in_version", number, "code", code=code))
        seen_codes.setdefault(code, number)

    major_name, minor_name = values.get("major", ""), values.get("minor", "")
    if major_name:
        major = categories.majors.get(major_name)
        if major is None:
            errors.append(error("unknown_major", number, "major", value=major_name))
        elif minor_name:
            minor = categories.minors.get((major.pk, minor_name))
            if minor is None:
                errors.append(error("unknown_minor", number, "minor", value=minor_name, major=major_name))
            else:
                fields["category"] = minor

    kind = values.get("kind", "")
    if kind:
        kind_value = KIND_WORDS.get(kind) or (kind if kind in CatalogueItem.Kind.values else None)
        if kind_value is None:
            errors.append(error("bad_kind", number, "kind"))
        fields["kind"] = kind_value

    unit = values.get("unit", "")
    if unit:
        unit_value = UNIT_WORDS.get(unit) or (unit if unit in CatalogueItem.Unit.values else None)
        if unit_value is None:
            errors.append(error("bad_unit", number, "unit", value=unit, choices="、".join(UNIT_WORDS)))
        fields["unit"] = unit_value

    price_min = _money(values.get("price_min", ""), "price_min", number, errors)
    price_max = _money(values.get("price_max", ""), "price_max", number, errors)
    if price_min is not None and price_max is not None and price_max < price_min:
        errors.append(error("range_order", number, "price_max"))
    fields["price_min"], fields["price_max"] = price_min, price_max

    tracks = values.get("tracks", "")
    if tracks:
        words = {w for w in re.split(r"[、,，/\s]+", tracks) if w}
        if not words or not words <= {TRACK_FILED, TRACK_REGISTERED}:
            errors.append(error("bad_tracks", number, "tracks"))
        fields["eligible_filed"] = TRACK_FILED in words
        fields["eligible_registered"] = TRACK_REGISTERED in words
    else:
        fields["eligible_filed"] = fields["eligible_registered"] = True

    status = values.get("status", "") or STATUS_ACTIVE
    if status not in (STATUS_ACTIVE, STATUS_RETIRED):
        errors.append(error("bad_status", number, "status"))
    fields["active"] = status != STATUS_RETIRED
    fields["retired_reason"] = values.get("retired_reason", "") if not fields["active"] else ""
    if not fields["active"] and not fields["retired_reason"]:
        errors.append(error("retired_without_reason", number, "retired_reason"))

    for column in ("code", "name", "department", "content", "quantity", "quality", "outputs"):
        fields[column] = values.get(column, "")
    return (None if errors else fields), errors


def _rows_as_dicts(rows):
    """Map the header row to fields; return (list of (row number, values), file errors)."""
    if not rows:
        return [], [error("empty")]
    header = [_cell(h) for h in rows[0]]
    by_header = {title: field for field, title in COLUMNS}
    positions = {by_header[h]: i for i, h in enumerate(header) if h in by_header}
    missing = [HEADER[c] for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        return [], [error("missing_columns", 1, columns="、".join(missing))]
    records = []
    for offset, row in enumerate(rows[1:], start=2):
        cells = [_cell(v) for v in row]
        if not any(cells):
            continue
        values = {field: (cells[i] if i < len(cells) else "") for field, i in positions.items()}
        records.append((offset, values))
    if not records:
        return [], [error("empty")]
    if len(records) > MAX_ROWS or len(rows) > MAX_ROWS + 1:
        return [], [error("too_many_rows", max=MAX_ROWS)]
    return records, []


# --- Running an import -------------------------------------------------------------------


def start_import(version, *, filename, content, by):
    """Record the upload and queue the check; the caller shows its progress."""
    if not by.has_perm("marketplace.add_catalogueimport"):
        raise PermissionError("not allowed to import")
    with transaction.atomic():
        job = CatalogueImport.objects.create(version=version, uploaded_by=by, filename=filename[:200], content=content)
        enqueue_on_commit(tasks.run_catalogue_import, job.pk)
    return job


def _finish(job, status, errors=(), created=0):
    CatalogueImport.objects.filter(pk=job.pk).update(
        status=status, errors=list(errors), created_count=created, finished_at=timezone.now()
    )


def run_import(job_id):
    """Check every row; import all of them in one transaction, or none.  Any
    unexpected failure ends the job as rejected, never stuck "checking"."""
    job = CatalogueImport.objects.select_related("version", "uploaded_by").get(pk=job_id)
    if job.finished:
        return job
    try:
        return _run_import(job)
    except Exception:
        logger.exception("Catalogue import %s failed", job.pk)
        _finish(job, CatalogueImport.Status.FAILED, [error("unexpected")])
        return job


def _run_import(job):
    CatalogueImport.objects.filter(pk=job.pk).update(status=CatalogueImport.Status.RUNNING)
    try:
        records, file_errors = _rows_as_dicts(read_rows(job.filename, bytes(job.content)))
    except FileRejectedError as rejected:
        records, file_errors = [], [rejected.error]
    if file_errors:
        _finish(job, CatalogueImport.Status.FAILED, file_errors)
        return job
    CatalogueImport.objects.filter(pk=job.pk).update(total_rows=len(records))

    categories = Categories.load()
    existing = set(job.version.items.values_list("code", flat=True))
    seen, errors, valid = {}, [], []
    for index, (number, values) in enumerate(records, start=1):
        fields, row_errors = validate_row(number, values, categories, seen, existing)
        errors.extend(row_errors)
        if fields:
            valid.append(fields)
        if index % PROGRESS_EVERY == 0:
            CatalogueImport.objects.filter(pk=job.pk).update(processed_rows=index)
    CatalogueImport.objects.filter(pk=job.pk).update(processed_rows=len(records))
    if errors:
        _finish(job, CatalogueImport.Status.FAILED, errors)
        return job

    with transaction.atomic():
        version = CatalogueVersion.objects.select_for_update().get(pk=job.version_id)
        if not version.is_draft:
            _finish(job, CatalogueImport.Status.FAILED, [error("version_locked")])
            return job
        # Codes may have been added while the rows were checked: look again under the lock.
        taken = set(version.items.filter(code__in=[f["code"] for f in valid]).values_list("code", flat=True))
        if taken:
            codes = [(number, values["code"]) for number, values in records if values.get("code") in taken]
            _finish(
                job,
                CatalogueImport.Status.FAILED,
                [error("duplicate_in_version", number, "code", code=code) for number, code in codes],
            )
            return job
        CatalogueItem.objects.bulk_create(CatalogueItem(version=version, **fields) for fields in valid)
        record_event(
            "catalogueimport.import",
            actor=job.uploaded_by,
            obj=version,
            details={"import": job.pk, "file": job.filename, "items": len(valid)},
        )
        _finish(job, CatalogueImport.Status.SUCCEEDED, created=len(valid))
    return job


# --- Export -------------------------------------------------------------------------------


def item_row(item):
    tracks = [
        name for name, on in ((TRACK_FILED, item.eligible_filed), (TRACK_REGISTERED, item.eligible_registered)) if on
    ]
    return {
        "code": item.code,
        "name": item.name,
        "major": item.category.parent.name if item.category.parent_id else item.category.name,
        "minor": item.category.name,
        "department": item.department,
        "kind": KIND_NAMES.get(item.kind, item.kind),
        "content": item.content,
        "quantity": item.quantity,
        "quality": item.quality,
        "outputs": item.outputs,
        "unit": UNIT_NAMES.get(item.unit, item.unit),
        "price_min": item.price_min,
        "price_max": item.price_max,
        "tracks": "、".join(tracks),
        "status": STATUS_ACTIVE if item.active else STATUS_RETIRED,
        "retired_reason": item.retired_reason,
    }


def export_items(version):
    return version.items.select_related("category__parent").order_by(
        "category__parent__sort_order", "category__sort_order", "code"
    )


def sheet_title(name):
    """A worksheet title from a version name: Excel (and openpyxl) refuse
    ``\\ / ? * [ ] :``, control characters, a leading or trailing apostrophe
    and more than 31 characters; a name like "2026/2027版" must still export."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.workbook.child import INVALID_TITLE_REGEX

    title = INVALID_TITLE_REGEX.sub("-", ILLEGAL_CHARACTERS_RE.sub("", str(name or "")))
    title = title.strip().strip("'").strip()[:31].strip().strip("'")
    return title or "目录"


def _cell_text(value):
    """Cell text without the control characters XML cannot hold (a value
    imported from a .csv may carry them); numbers stay numbers."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def export_xlsx(version):
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(version.name)
    sheet.append([title for _field, title in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for item in export_items(version):
        row = item_row(item)
        sheet.append([_cell_text(row[field]) for field, _title in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # text that starts with "=" stays text, never a live formula
    for column, width in zip(
        "ABCDEFGHIJKLMNOP", (10, 24, 14, 14, 16, 8, 40, 24, 30, 24, 10, 12, 12, 14, 8, 20), strict=True
    ):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row[11:13]:
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_pdf(version, *, language):
    """The version as a PDF in ``language``: the catalogue is not a legal
    record, so it follows its reader (``core/pdf.py``); its items are data."""
    items = list(export_items(version))
    groups = {}
    for item in items:
        groups.setdefault(item.category.major, []).append(item)
    return render_pdf(
        "pdf/catalogue.html",
        {
            "version": version,
            "groups": list(groups.items()),
            "count": len(items),
            "active_count": sum(1 for i in items if i.active),
        },
        language=language,
    )


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def export_file(version, fmt, *, language):
    """(bytes, content type, file name) of a version exported as ``fmt``; a
    PDF in ``language`` (the spreadsheet is for re-import: its headers stay)."""
    body = export_xlsx(version) if fmt == "xlsx" else export_pdf(version, language=language)
    return body, CONTENT_TYPES[fmt], f"catalogue-{version.year}-{version.pk}.{fmt}"
