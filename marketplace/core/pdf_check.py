"""Is an uploaded file a plain PDF?  A structural check without a PDF library.

Uploaded PDFs are read by officers, evaluators and the public, so a PDF that
runs something when opened is refused, whatever else it holds:

- it must look like a PDF throughout, not only in its first five bytes: the
  ``%PDF-x.y`` header, at least one ``N G obj`` object, a ``trailer`` or
  ``startxref``, and no HTML (an HTML page that merely starts with
  ``%PDF-`` is not a PDF);
- it may not name active content (``/JavaScript``, ``/JS``, ``/AA``,
  ``/Launch``, embedded files, ``/RichMedia``, ``/XFA``, form submission...),
  also when the name is spelt with ``#xx`` escapes or sits inside a
  compressed object stream (``/ObjStm``), which is inflated (with a ceiling)
  and read like the rest;
- ``/OpenAction`` is allowed only as a plain destination (``[3 0 R /Fit]``,
  which office suites write to open the first page) or a plain go-to
  (``<< /S /GoTo /D ... >>``, with a ``/Next`` chain of plain go-tos at most),
  written inline or in the object a reference points to: references are
  resolved (also into object streams, every definition of a number when a
  file defines it more than once) and the same rule applies, so
  ``/OpenAction 5 0 R`` with a link, a named action or a 3D view in object 5
  is refused just as it is inline;
- a few action types that are harmless as names but act on the document are
  refused wherever they are an action's type (``/S /Named``, ``/ResetForm``,
  ``/Hide``, ``/SetOCGState``, ``/GoTo3DView``); an ordinary link
  (``/S /URI`` in a link annotation) stays allowed.

In stream data (page content, images, fonts, also inflated) only the long
names are looked for: compressed bytes would now and then spell a short name
like ``/JS`` by chance.  A stream whose raw data holds what looks like an
object header (a way to hide an object from this check) makes the file
refused; an object stream that cannot be decoded too.
"""

import base64
import re
import zlib

# Names whose presence means active or embedded content.
ACTIVE_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"AA",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"EF",
        b"FileAttachment",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToE",
        b"GoToR",
        b"Rendition",
        b"Sound",
        b"Movie",
    }
)
# In stream data only the long names are looked for: compressed or image bytes
# spell a two-letter name like "/JS " now and then, a long one never.  Every
# active use of a short name comes with a long one (/S /JavaScript, /Launch,
# /FileAttachment...), so the long names suffice there.
LONG_ACTIVE_NAMES = frozenset(name for name in ACTIVE_NAMES if len(name) >= 5)

WHITE_SPACE = b" \t\r\n\f\x00"
MAX_DICTIONARY_BYTES = 2048  # how far back from "stream" its dictionary is looked for
MAX_STREAM_KEYWORDS = 10_000  # a real document of a few MB has far fewer; more is refused, not checked slowly
HEADER_RE = re.compile(rb"\A%PDF-[12]\.\d")
OBJECT_RE = re.compile(rb"(?<![0-9])\d{1,10}[ \t\r\n\f\x00]+\d{1,5}[ \t\r\n\f\x00]+obj(?![A-Za-z])")
STRUCTURE_RE = re.compile(rb"trailer|startxref")
HTML_RE = re.compile(rb"<(?:!doctype|html|head|body|script|iframe|object|embed|meta|form)[\s>/]|javascript:", re.I)
# A name: "/" and regular characters up to a delimiter or white space.
NAME_RE = re.compile(rb"/([^\s()<>\[\]{}/%\x00]*)")
HEX_ESCAPE_RE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM_RE = re.compile(rb"stream(?:\r\n|\n|\r)")
ENDSTREAM = b"endstream"
LENGTH_RE = re.compile(rb"/Length[ \t\r\n\f\x00]+(\d{1,10})(?![0-9])(?![ \t\r\n\f\x00]*\d+[ \t\r\n\f\x00]+R)")
INTEGER_OBJECT_RE = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\s*(\d{1,10})\s*endobj")
LENGTH_REF_RE = re.compile(rb"/Length\s+(\d{1,10})\s+(\d{1,5})\s+R")
# Action types refused where they are an action's type (after /S): they act on
# the document (print, reset or hide form fields, switch layers, a 3D view).
REFUSED_ACTION_TYPES = frozenset({b"Named", b"ResetForm", b"Hide", b"SetOCGState", b"GoTo3DView"})
# A destination: [page /XYZ left top zoom], [page /Fit], ...
DESTINATION_FITS = frozenset({b"XYZ", b"Fit", b"FitH", b"FitV", b"FitR", b"FitB", b"FitBH", b"FitBV"})
# What a plain go-to action may hold.
GOTO_KEYS = frozenset({b"Type", b"S", b"D", b"Next"})
MAX_ACTION_DEPTH = 16  # references and /Next links followed from one /OpenAction
MAX_PARSE_DEPTH = 32  # nested arrays and dictionaries in one object
MAX_PARSE_TOKENS = 4096  # tokens read for one object
# How much all object streams together may inflate to.
MAX_INFLATED_BYTES = 32 * 1024 * 1024


class PDFRefusedError(Exception):
    """The file is not a plain PDF; ``reason`` says why (for logs and tests,
    never shown: the user sees one neutral message)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def decode_name(raw):
    return HEX_ESCAPE_RE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _plain_names(text):
    """``text`` with every name written without ``#xx`` escapes."""
    return NAME_RE.sub(lambda m: b"/" + decode_name(m.group(1)), text)


def _length(dictionary, integer_objects):
    """The stream's /Length: direct, or the integer object it refers to."""
    direct = LENGTH_RE.search(dictionary)
    if direct is not None:
        return int(direct.group(1))
    reference = LENGTH_REF_RE.search(dictionary)
    if reference is None:
        return None
    return integer_objects().get((int(reference.group(1)), int(reference.group(2))))


def _split_streams(data):
    """(the file without stream data, [(stream dictionary, raw stream data)]).

    Stream data is skipped only where a dictionary ends right before the
    ``stream`` keyword and its direct ``/Length`` leads to ``endstream``, as
    a reader finds it; any other ``stream`` is read as ordinary text."""
    outside, streams = [], []
    position = 0
    search_from = 0
    found = {}

    def integer_objects():
        # "N G obj 1234 endobj": the indirect lengths, found once per file.
        if not found:
            found[None] = None
            for match in INTEGER_OBJECT_RE.finditer(data):
                found.setdefault((int(match.group(1)), int(match.group(2))), int(match.group(3)))
        return found

    keywords = 0
    while True:
        match = STREAM_RE.search(data, search_from)
        if match is None:
            outside.append(data[position:])
            break
        keywords += 1
        if keywords > MAX_STREAM_KEYWORDS:
            raise PDFRefusedError("too many streams to check")
        search_from = match.end()
        keyword = match.start()
        while keyword > position and data[keyword - 1] in WHITE_SPACE:
            keyword -= 1
        if data[max(position, keyword - 2) : keyword] != b">>":
            continue  # "endstream", or "stream" in a string or a comment
        dictionary_start = data.rfind(b"obj", max(position, keyword - MAX_DICTIONARY_BYTES), keyword)
        if dictionary_start < 0:
            dictionary_start = max(position, keyword - MAX_DICTIONARY_BYTES)
        dictionary = _plain_names(data[dictionary_start:keyword])
        length = _length(dictionary, integer_objects)
        if length is None:
            continue
        end = match.end() + length
        if not data[end : end + 32].lstrip(WHITE_SPACE).startswith(ENDSTREAM):
            continue
        outside.append(data[position : match.start()])
        streams.append((dictionary, data[match.end() : end]))
        position = search_from = end
    return b"".join(outside), streams


def _filters(dictionary):
    match = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>]+)", dictionary)
    if match is None:
        return []
    return [decode_name(name) for name in NAME_RE.findall(match.group(1))]


def _unpredict(data, dictionary):
    """Undo a PNG predictor (/DecodeParms /Predictor >= 10) on inflated data."""
    predictor = re.search(rb"/Predictor\s+(\d+)", dictionary)
    if predictor is None or int(predictor.group(1)) < 10:
        if predictor is not None and int(predictor.group(1)) not in (1,):
            raise PDFRefusedError("unsupported predictor")
        return data
    columns_match = re.search(rb"/Columns\s+(\d+)", dictionary)
    columns = int(columns_match.group(1)) if columns_match else 1
    if columns < 1 or columns > 1_000_000:
        raise PDFRefusedError("bad predictor columns")
    row_size = columns + 1
    previous = bytearray(columns)
    out = bytearray()
    for offset in range(0, len(data) - len(data) % row_size, row_size):
        kind, row = data[offset], bytearray(data[offset + 1 : offset + row_size])
        for i in range(columns):
            left = row[i - 1] if i else 0
            up = previous[i]
            up_left = previous[i - 1] if i else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                estimate = left + up - up_left
                distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
                nearest = (left, up, up_left)[distances.index(min(distances))]
                row[i] = (row[i] + nearest) & 0xFF
            elif kind != 0:
                raise PDFRefusedError("bad predictor row")
        out += row
        previous = row
    return bytes(out)


def _decode(raw, dictionary, budget):
    """The decoded data of an object stream; refuses what it cannot decode."""
    data = raw
    for name in _filters(dictionary):
        if name in (b"FlateDecode", b"Fl"):
            inflater = zlib.decompressobj()
            try:
                data = inflater.decompress(data, budget + 1)
            except zlib.error as exc:
                raise PDFRefusedError("object stream does not inflate") from exc
            if len(data) > budget or inflater.unconsumed_tail:
                raise PDFRefusedError("object streams inflate too much")
            data = _unpredict(data, dictionary)
        elif name in (b"ASCIIHexDecode", b"AHx"):
            hex_digits = re.sub(rb"\s", b"", data).split(b">")[0]
            try:
                data = bytes.fromhex((hex_digits + b"0" * (len(hex_digits) % 2)).decode("ascii"))
            except ValueError as exc:
                raise PDFRefusedError("bad hex stream") from exc
        elif name in (b"ASCII85Decode", b"A85"):
            try:
                data = base64.a85decode(re.sub(rb"\s", b"", data).split(b"~>")[0])
            except ValueError as exc:
                raise PDFRefusedError("bad ascii85 stream") from exc
        else:
            raise PDFRefusedError(f"object stream with filter {name!r}")
    return data


class _UnparsableError(Exception):
    pass


class _Name(bytes):
    """A PDF name, without its ``/`` and with ``#xx`` escapes decoded."""


class _String(bytes):
    """A PDF string (literal or hexadecimal), undecoded."""


class _Ref(tuple):
    """An indirect reference ``N G R``."""

    @property
    def number(self):
        return self[0]


NUMBER_RE = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
REGULAR_RE = re.compile(rb"[^\s()<>\[\]{}/%\x00]+")
REFERENCE_RE = re.compile(rb"[ \t\r\n\f\x00]+(\d{1,10})[ \t\r\n\f\x00]+R(?![^\s()<>\[\]{}/%\x00])")


def _skip_space(text, position):
    """``position`` moved past white space and comments."""
    length = len(text)
    while position < length:
        if text[position] in WHITE_SPACE:
            position += 1
        elif text[position] == 0x25:  # "%": a comment to the end of the line
            while position < length and text[position] not in b"\r\n":
                position += 1
        else:
            break
    return position


class _Parser:
    """Reads one PDF object (dictionary, array, name, string, number,
    reference, keyword) from ``text``: enough to see what an action is."""

    def __init__(self, text):
        self.text = text
        self.tokens = 0

    def value(self, position, depth=0):
        """(the object at ``position``, where it ends); ``_UnparsableError`` otherwise."""
        self.tokens += 1
        if depth > MAX_PARSE_DEPTH or self.tokens > MAX_PARSE_TOKENS:
            raise _UnparsableError("too deep or too long")
        text = self.text
        position = _skip_space(text, position)
        if text.startswith(b"<<", position):
            return self._dictionary(position + 2, depth)
        head = text[position : position + 1]
        if head == b"[":
            items, position = [], position + 1
            while True:
                position = _skip_space(text, position)
                if text.startswith(b"]", position):
                    return items, position + 1
                item, position = self.value(position, depth + 1)
                items.append(item)
        if head == b"/":
            match = REGULAR_RE.match(text, position + 1)
            raw = match.group(0) if match else b""
            return _Name(decode_name(raw)), position + 1 + len(raw)
        if head == b"(":
            return self._literal(position)
        if head == b"<":
            end = text.find(b">", position)
            if end < 0:
                raise _UnparsableError("unterminated hex string")
            return _String(text[position + 1 : end]), end + 1
        match = NUMBER_RE.match(text, position)
        if match is not None:
            end = match.end()
            if match.group(0).isdigit():
                reference = REFERENCE_RE.match(text, end)
                if reference is not None:
                    return _Ref((int(match.group(0)), int(reference.group(1)))), reference.end()
            return match.group(0), end
        match = REGULAR_RE.match(text, position)
        if match is not None and match.group(0) in (b"true", b"false", b"null"):
            return {b"true": True, b"false": False, b"null": None}[match.group(0)], match.end()
        raise _UnparsableError("not an object")

    def _dictionary(self, position, depth):
        entries = {}
        while True:
            position = _skip_space(self.text, position)
            if self.text.startswith(b">>", position):
                return entries, position + 2
            key, position = self.value(position, depth + 1)
            if not isinstance(key, _Name) or key in entries:
                raise _UnparsableError("bad or repeated key")  # a reader might take either value
            entries[key], position = self.value(position, depth + 1)

    def _literal(self, position):
        text, nesting, index = self.text, 0, position
        while index < len(text):
            char = text[index]
            if char == 0x5C:  # "\\": the next character is escaped
                index += 2
                continue
            if char == 0x28:
                nesting += 1
            elif char == 0x29:
                nesting -= 1
                if nesting == 0:
                    return _String(text[position + 1 : index]), index + 1
            index += 1
        raise _UnparsableError("unterminated string")


def _parse(text, position):
    return _Parser(text).value(position)[0]


class _Objects:
    """Where each object number is defined: in the file (``N G obj``) or in an
    object stream (its header of number and offset pairs).  Found once, on the
    first reference that needs it."""

    def __init__(self, outside, object_streams):
        self.outside = outside
        self.object_streams = object_streams
        self.found = None

    def definitions(self, number):
        if self.found is None:
            self.found = {}
            for match in OBJECT_RE.finditer(self.outside):
                self._add(int(re.match(rb"\d+", match.group(0)).group(0)), self.outside, match.end())
            for dictionary, inflated in self.object_streams:
                first = re.search(rb"/First\s+(\d+)", dictionary)
                if first is None:
                    continue
                first = int(first.group(1))
                numbers = [int(value) for value in re.findall(rb"\d+", inflated[:first])]
                for object_number, offset in zip(numbers[::2], numbers[1::2], strict=False):
                    if first + offset < len(inflated):
                        self._add(object_number, inflated, first + offset)
        return self.found.get(number, [])

    def _add(self, number, text, position):
        self.found.setdefault(number, []).append((text, position))


def _is_destination(value):
    """An explicit destination in this document: [page /Fit], [page /XYZ left top zoom], ..."""
    return (
        isinstance(value, list)
        and len(value) >= 2
        and isinstance(value[0], (_Ref, bytes))
        and not isinstance(value[0], (_Name, _String))
        and value[1] in DESTINATION_FITS
        and isinstance(value[1], _Name)
        and all(item is None or (type(item) is bytes) for item in value[2:])
    )


def _resolved(value, objects, seen):
    """Every object ``value`` may stand for: itself, or each definition of the
    object it refers to (a reference followed once; None if it leads nowhere)."""
    if not isinstance(value, _Ref):
        return [value]
    if value.number in seen:
        return None  # a loop
    seen.add(value.number)
    found = []
    for text, position in objects.definitions(value.number):
        try:
            found.append(_parse(text, position))
        except _UnparsableError:
            return None
    return found or None


def _plain_go_to(action, objects, depth, seen):
    """Whether ``action`` (a dictionary) is a go-to within the document, and so is every action in its /Next."""
    if not isinstance(action, dict) or set(action) - GOTO_KEYS:
        return False
    if action.get(b"S") != b"GoTo" or action.get(b"Type", b"Action") != b"Action":
        return False
    target = action.get(b"D")
    if not (_is_destination(target) or isinstance(target, (_Name, _String))):
        return False
    following = action.get(b"Next")
    if following is None:
        return True
    if depth >= MAX_ACTION_DEPTH:
        return False
    following = following if isinstance(following, list) else [following]
    for item in following:
        actions = _resolved(item, objects, seen)
        if not actions or not all(_plain_go_to(each, objects, depth + 1, seen) for each in actions):
            return False
    return True


def open_action_allowed(value, objects, depth=0, seen=None):
    """The rule for ``/OpenAction``, inline or referred to: a destination or a plain go-to."""
    seen = set() if seen is None else seen
    if depth >= MAX_ACTION_DEPTH:
        return False
    if isinstance(value, _Ref):
        targets = _resolved(value, objects, seen)
        return bool(targets) and all(open_action_allowed(each, objects, depth + 1, seen) for each in targets)
    return _is_destination(value) or _plain_go_to(value, objects, depth, seen)


def _check_names(text, where, names=ACTIVE_NAMES, objects=None):
    """Refuse ``text`` if it names active content.  With ``objects`` (the
    file's objects, outside stream data) also check what each /OpenAction is
    and each action's type."""
    for match in NAME_RE.finditer(text):
        name = decode_name(match.group(1))
        if name in names:
            raise PDFRefusedError(f"/{name.decode('latin-1')} in {where}")
        if objects is None:
            continue
        if name == b"S":
            following = NAME_RE.match(text, _skip_space(text, match.end()))
            if following is not None and decode_name(following.group(1)) in REFUSED_ACTION_TYPES:
                raise PDFRefusedError(f"/S /{decode_name(following.group(1)).decode('latin-1')} in {where}")
        elif name == b"OpenAction":
            try:
                value = _parse(text, match.end())
            except _UnparsableError:
                value = None
            if not open_action_allowed(value, objects):
                raise PDFRefusedError(f"/OpenAction with an action in {where}")


def _is_object_stream(dictionary):
    names = set(NAME_RE.findall(dictionary))
    return b"ObjStm" in names or (b"First" in names and b"N" in names)


def _inflate_for_scan(raw, dictionary, budget):
    """The inflated data of a Flate stream, or None for other filters (or a
    stream that does not inflate: then its raw bytes are all there is)."""
    if _filters(dictionary) not in ([b"FlateDecode"], [b"Fl"]):
        return None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, budget + 1)
    except zlib.error:
        return None
    if len(data) > budget or inflater.unconsumed_tail:
        raise PDFRefusedError("streams inflate too much")
    return data


def check_pdf(data):
    """Raise ``PDFRefusedError`` unless ``data`` is a PDF without active content."""
    data = bytes(data)
    if not HEADER_RE.match(data):
        raise PDFRefusedError("no PDF header")
    if HTML_RE.search(data):
        raise PDFRefusedError("HTML inside")
    outside, streams = _split_streams(data)
    if not OBJECT_RE.search(outside) or not STRUCTURE_RE.search(outside):
        raise PDFRefusedError("no PDF structure")
    budget = MAX_INFLATED_BYTES
    object_streams = []
    for dictionary, raw in streams:
        if OBJECT_RE.search(raw):
            raise PDFRefusedError("an object hidden in stream data")
        if _is_object_stream(dictionary):
            inflated = _decode(raw, dictionary, budget)
            budget -= len(inflated)
            if HTML_RE.search(inflated):
                raise PDFRefusedError("HTML inside an object stream")
            object_streams.append((dictionary, inflated))
            continue
        _check_names(raw, "stream data", LONG_ACTIVE_NAMES)
        inflated = _inflate_for_scan(raw, dictionary, budget)
        if inflated is not None:
            budget -= len(inflated)
            _check_names(inflated, "stream data", LONG_ACTIVE_NAMES)
    # The objects (outside stream data and in object streams), with what their references point to.
    objects = _Objects(outside, object_streams)
    _check_names(outside, "the file", objects=objects)
    for _dictionary, inflated in object_streams:
        _check_names(inflated, "an object stream", objects=objects)


def is_plain_pdf(data):
    try:
        check_pdf(data)
    except PDFRefusedError:
        return False
    return True
