"""Records, packages and their JSON (OCDS 1.1.5).

- ``compile_release``: the compiled release of a process, merged from its
  releases by the standard's merge rules (for the fields the platform
  emits): releases in date order; objects merge field by field; an array
  of objects that all have an ``id`` merges object by object on the id;
  any other array, and any other value, is replaced by the newer one; a
  ``null`` removes the field; the release's ``id``, ``date`` and ``tag``
  are not merged (the compiled release gets its own, ``tag`` ``compiled``).
- ``release_package`` / ``record_package``: the package metadata
  (publisher, licence, publication policy, version ``1.1``).
- ``dumps``: JSON with amounts as numbers.  Every amount is a ``Decimal``
  of at most 12 digits (``max_digits=12``); it is written as the shortest
  float text that reads back as the same decimal (at most 15 significant
  digits always round-trip), so ``100000.10`` is written ``100000.1``
  and never ``100000.09999999999``; ``json.loads(text,
  parse_float=Decimal)`` gives back the exact amount.  Anything that would
  not round-trip is refused rather than rounded."""

import copy
import json
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from cms.ocds import releases as ocds_releases

VERSION = "1.1"
#: Top-level fields of a release that are never merged into the compiled release.
OMIT_WHEN_MERGED = ("id", "date", "tag")


# --- JSON ----------------------------------------------------------------------------------------


def _number(value):
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot be written as an exact JSON number")
    return number


def _default(value):
    if isinstance(value, Decimal):
        return _number(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data, *, indent=None):
    return json.dumps(data, default=_default, ensure_ascii=False, indent=indent, separators=(",", ":"))


# --- merging -------------------------------------------------------------------------------------


def _identified(items):
    return bool(items) and all(isinstance(item, dict) and "id" in item for item in items)


def _merge(target, source):
    for key, new in source.items():
        if new is None:
            target.pop(key, None)
        elif isinstance(new, dict):
            old = target.get(key)
            target[key] = _merge(old if isinstance(old, dict) else {}, new)
        elif isinstance(new, list) and _identified(new):
            old = target.get(key)
            merged = list(old) if isinstance(old, list) and _identified(old) else []
            index = {str(item["id"]): position for position, item in enumerate(merged)}
            for item in new:
                position = index.get(str(item["id"]))
                if position is None:
                    index[str(item["id"])] = len(merged)
                    merged.append(_merge({}, item))
                else:
                    merged[position] = _merge(merged[position], item)
            target[key] = merged
        else:
            target[key] = copy.deepcopy(new)
    return target


def compile_release(releases):
    """The compiled release of one process's ``releases`` (date order)."""
    compiled = {}
    for release in releases:
        _merge(compiled, {key: value for key, value in release.items() if key not in OMIT_WHEN_MERGED})
    if not releases:
        return compiled
    last = releases[-1]
    date = last["date"]
    stamp = date.replace("-", "").replace(":", "")[:15]
    ordered = {"ocid": last["ocid"], "id": f"{last['ocid']}-compiled-{stamp}", "date": date, "tag": ["compiled"]}
    ordered.update({key: value for key, value in compiled.items() if key not in ordered})
    return ordered


# --- packages ------------------------------------------------------------------------------------


def _publisher():
    return {"name": settings.OCDS_PUBLISHER_NAME}


def _published(releases):
    """The package's date: its newest release's (a package at a stable URL
    changes only when its process does), else now."""
    dates = [release["date"] for release in releases]
    return max(dates) if dates else ocds_releases.stamp(timezone.now())


def release_package(releases, *, uri, policy, published=None):
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": published or _published(releases),
        "publisher": _publisher(),
        "license": settings.OCDS_LICENSE,
        "publicationPolicy": policy,
        "releases": releases,
    }


def record(releases, *, package_url):
    """One process's record: its releases linked by URL (the release
    package's URL with the release id as fragment) and its compiled release."""
    return {
        "ocid": releases[0]["ocid"],
        "releases": [
            {"url": f"{package_url}#{release['id']}", "date": release["date"], "tag": release["tag"]}
            for release in releases
        ],
        "compiledRelease": compile_release(releases),
    }


def record_package(records, *, uri, policy, packages):
    dates = [item["compiledRelease"]["date"] for item in records]
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": max(dates) if dates else ocds_releases.stamp(timezone.now()),
        "publisher": _publisher(),
        "license": settings.OCDS_LICENSE,
        "publicationPolicy": policy,
        "packages": packages,
        "records": records,
    }
