"""Validation of the open-data output against the copied OCDS 1.1.5 schema
(``jsonschema.Draft4Validator``, the release schema's public URL mapped to
the copy) and its codelists."""

import csv
import datetime
import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path

import jsonschema
import referencing
import referencing.jsonschema

SCHEMA = Path(__file__).resolve().parents[3] / "cms" / "ocds" / "schema"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _load(name):
    return json.loads((SCHEMA / name).read_text(encoding="utf-8"))


@cache
def _registry():
    release = _load("release-schema.json")
    return referencing.Registry().with_resource(
        release["id"], referencing.Resource.from_contents(release, referencing.jsonschema.DRAFT4)
    )


def _format_checker():
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            raise ValueError(value)
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("uri", raises=ValueError)
    def uri(value):
        if not isinstance(value, str):
            return True
        if not re.match(r"^https?://[^\s]+$", value):
            raise ValueError(value)
        return True

    return checker


@cache
def validator(name):
    return jsonschema.Draft4Validator(_load(name), registry=_registry(), format_checker=_format_checker())


@cache
def codelist(name):
    with (SCHEMA / "codelists" / name).open(encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def schema_errors(name, instance):
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator(name).iter_errors(instance)]


def parse(text):
    """JSON as the platform wrote it, numbers read back as Decimal."""
    return json.loads(text, parse_float=Decimal)


def _walk(value, key=None):
    if isinstance(value, dict):
        for child_key, child in value.items():
            yield from _walk(child, child_key)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, key)
    else:
        yield key, value


def codelist_errors(release):
    """Codes outside their codelist, in one release (or compiled release)."""
    errors = []

    def check(code, name, where):
        if code is not None and code not in codelist(name):
            errors.append(f"{where}: {code!r} not in {name}")

    for tag in release.get("tag", []):
        check(tag, "releaseTag.csv", "tag")
    check(release.get("initiationType"), "initiationType.csv", "initiationType")
    tender = release.get("tender", {})
    check(tender.get("status"), "tenderStatus.csv", "tender.status")
    check(tender.get("procurementMethod"), "method.csv", "tender.procurementMethod")
    check(tender.get("mainProcurementCategory"), "procurementCategory.csv", "tender.mainProcurementCategory")
    for party in release.get("parties", []):
        for role in party.get("roles", []):
            check(role, "partyRole.csv", f"party {party['id']}")
    for award in release.get("awards", []):
        check(award.get("status"), "awardStatus.csv", f"award {award['id']}")
    documents = list(tender.get("documents", []))
    for award in release.get("awards", []):
        documents += award.get("documents", [])
    for contract in release.get("contracts", []):
        check(contract.get("status"), "contractStatus.csv", f"contract {contract['id']}")
        documents += contract.get("documents", [])
        implementation = contract.get("implementation", {})
        documents += implementation.get("documents", [])
        for milestone in implementation.get("milestones", []):
            check(milestone.get("status"), "milestoneStatus.csv", f"milestone {milestone['id']}")
            check(milestone.get("type"), "milestoneType.csv", f"milestone {milestone['id']}")
    for document in documents:
        check(document.get("documentType"), "documentType.csv", f"document {document['id']}")
    for related in release.get("relatedProcesses", []):
        for relationship in related.get("relationship", []):
            check(relationship, "relatedProcess.csv", "relatedProcess")
    for key, value in _walk(release):
        if key == "currency":
            check(value, "currency.csv", "currency")
    return errors


def assert_valid_release(release):
    errors = schema_errors("release-schema.json", release) + codelist_errors(release)
    assert errors == [], errors


def assert_valid_release_package(package):
    errors = schema_errors("release-package-schema.json", package)
    assert errors == [], errors
    for release in package["releases"]:
        assert_valid_release(release)


def assert_valid_record_package(package):
    errors = schema_errors("record-package-schema.json", package)
    assert errors == [], errors
    for record in package["records"]:
        assert_valid_release(record["compiledRelease"])
        for linked in record["releases"]:
            for tag in linked["tag"]:
                assert tag in codelist("releaseTag.csv")
