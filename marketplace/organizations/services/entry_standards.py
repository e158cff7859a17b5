"""Entry standards (准入标准): does an organization meet a rule set?

``check(standard, organization)`` evaluates the standard's rules in a fixed
order and explains each one, passed or failed, in the user's language (the
platform's default is Simplified Chinese) with the numbers involved:

1. status: approved, with no active blacklisting or suspension;
2. track (when the standard requires one);
3. whole years since founding;
4. staff holding the qualification, each backed by a valid qualification
   document;
5. required documents, current and not expired;
6. the latest performance grade of past contracts (once there are any).

Purchase projects (a later issue) attach a standard and only call ``check``.
Contract grades come from whichever app registers a grade source with
``register_grade_source``; this module imports no such app.

The queries do not grow with the number of documents or staff: an
organization's documents and roster are read once and shared by every
standard checked.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.organizations.models import EntryStandard, Organization, OrganizationDocument, StaffMember

# Best first: a lower rank is a better grade.
GRADE_ORDER = [grade.value for grade in EntryStandard.Grade]

# The social-work qualifications form a ladder: a higher one also meets a
# standard asking for a lower one (a 社会工作师 is counted where a 助理社会工作师
# is required).  Other qualifications only meet themselves.
QUALIFICATION_LADDER = [
    StaffMember.Qualification.ASSISTANT_SOCIAL_WORKER,
    StaffMember.Qualification.SOCIAL_WORKER,
    StaffMember.Qualification.SENIOR_SOCIAL_WORKER,
]

LIST_SEPARATOR = "、"


@dataclass
class RuleResult:
    code: str
    passed: bool
    message: str
    # What to do next, for a rule not met (blank when nothing the
    # organization can do helps, e.g. a suspension).
    action: str = ""

    def __str__(self):
        return self.message


@dataclass
class Eligibility:
    standard: EntryStandard
    organization: Organization
    results: list[RuleResult] = field(default_factory=list)

    @property
    def eligible(self):
        return all(result.passed for result in self.results)

    @property
    def failures(self):
        return [result for result in self.results if not result.passed]


# --- performance grades from later apps (contracts) ------------------------------------

_grade_sources = []


def register_grade_source(fn):
    """Register ``fn(organization) -> [(date, "A"|"B"|"C"|"D"), ...]``.
    Returns ``fn``, so it can be used as a decorator; registering twice is a
    no-op."""
    if fn not in _grade_sources:
        _grade_sources.append(fn)
    return fn


def unregister_grade_source(fn):
    if fn in _grade_sources:
        _grade_sources.remove(fn)


def grades_for(organization):
    """Every (date, grade) the registered sources know, oldest first; unknown
    letters are dropped."""
    grades = []
    for source in list(_grade_sources):
        for day, grade in source(organization) or ():
            grade = str(grade or "").strip().upper()
            if grade in GRADE_ORDER and day is not None:
                grades.append((day, grade))
    grades.sort(key=lambda item: _as_date(item[0]))
    return grades


def _as_date(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# --- the facts one organization is judged on (read once) -------------------------------


class _Facts:
    """The organization's current documents, roster and grades, read once."""

    def __init__(self, organization):
        self.organization = organization
        self.documents = list(
            OrganizationDocument.objects.filter(organization=organization, replaced_by__isnull=True).only(
                "pk", "kind", "staff_member_id", "expires_on", "replaced_by_id", "uploaded_at"
            )
        )
        self.staff = list(StaffMember.objects.filter(organization=organization).only("pk", "qualification"))
        self._grades = None

    @property
    def grades(self):
        if self._grades is None:
            self._grades = grades_for(self.organization)
        return self._grades


# --- the rules ------------------------------------------------------------------------


def _status(standard, organization, facts, today):
    state = organization.state
    if state == Organization.State.APPROVED:
        return RuleResult("status", True, _("The organization is approved, with no active blacklisting or suspension."))
    if state == Organization.State.SUSPENDED:
        return RuleResult(
            "status", False, _("The organization is suspended: it is not eligible until it is reinstated.")
        )
    if state == Organization.State.BLACKLISTED:
        until = organization.blacklisted_until
        if until is not None and until <= today:
            # The end date decides, not whether the nightly job has run yet.
            return RuleResult(
                "status",
                True,
                _("The organization's blacklisting ended on %(date)s; it is eligible again.")
                % {"date": until.isoformat()},
            )
        return RuleResult(
            "status",
            False,
            _("The organization is blacklisted until %(date)s: it is not eligible before then.")
            % {"date": until.isoformat() if until else "—"},
        )
    if state == Organization.State.SUBMITTED:
        action = _("Wait for the review: a procurement officer decides on the submitted record.")
    else:
        action = _("Complete the record and submit it for review: only approved organizations may bid.")
    return RuleResult(
        "status",
        False,
        _("The organization is not yet approved (its status: %(state)s).")
        % {"state": organization.get_state_display()},
        action,
    )


def _track(standard, organization, facts, today):
    required = Organization.Track(standard.required_track).label
    actual = organization.get_track_display()
    values = {"required": required, "track": actual}
    if (
        organization.track == standard.required_track == Organization.Track.REGISTERED
        and not organization.registration_confirmed
    ):
        return RuleResult(
            "track",
            False,
            _("The standard requires the track “%(required)s”; the registration is waiting for an officer's check.")
            % values,
            _("Wait for a procurement officer to check the registration."),
        )
    if organization.track == standard.required_track:
        return RuleResult("track", True, _("The standard requires the track “%(required)s”; it is met.") % values)
    return RuleResult(
        "track",
        False,
        _("The standard requires the track “%(required)s”; the organization's track is “%(track)s”.") % values,
        _(
            "Register with the civil-affairs bureau, then upgrade the organization to the registered track to meet "
            "“%(standard)s”."
        )
        % {"standard": standard.name},
    )


def anniversary(founded_on, year):
    """The founding date's anniversary in ``year``.  Founded on 29 February,
    it is 28 February in a common year (the last day of the month, as the
    Civil Code counts periods in years)."""
    try:
        return founded_on.replace(year=year)
    except ValueError:
        return datetime.date(year, 2, 28)


def whole_years(founded_on, today):
    """Whole years from ``founded_on`` to ``today`` (0 if in the future)."""
    if founded_on is None or founded_on > today:
        return 0
    years = today.year - founded_on.year
    if today < anniversary(founded_on, today.year):
        years -= 1
    return max(years, 0)


def _years(standard, organization, facts, today):
    minimum = standard.min_years_since_founding
    founded_on = organization.founded_on
    if founded_on is None:
        return RuleResult(
            "years",
            False,
            _(
                "The standard requires at least %(minimum)d full year(s) since founding, but the founding date is "
                "not recorded."
            )
            % {"minimum": minimum},
            _("Enter the founding date (step 3)."),
        )
    years = whole_years(founded_on, today)
    values = {"date": founded_on.isoformat(), "years": years, "minimum": minimum}
    if years >= minimum:
        return RuleResult(
            "years",
            True,
            _("Founded on %(date)s, %(years)d full year(s) ago (at least %(minimum)d required).") % values,
        )
    return RuleResult(
        "years",
        False,
        _("Founded on %(date)s, only %(years)d full year(s) ago; at least %(minimum)d required.") % values,
        _("Nothing to do but wait: from %(date)s the organization meets “%(standard)s” on years since founding.")
        % {"standard": standard.name, "date": anniversary(founded_on, founded_on.year + minimum).isoformat()},
    )


def _meets_qualification(held, required):
    if not held:
        return False
    if not required:
        return True  # the standard asks for any qualification
    if held == required:
        return True
    if held in QUALIFICATION_LADDER and required in QUALIFICATION_LADDER:
        return QUALIFICATION_LADDER.index(held) >= QUALIFICATION_LADDER.index(required)
    return False


def _qualification_text(required):
    if not required:
        return _("any professional qualification")
    label = StaffMember.Qualification(required).label
    if required in QUALIFICATION_LADDER and required != QUALIFICATION_LADDER[-1]:
        return _("%(qualification)s or higher") % {"qualification": label}
    return label


def _qualified_staff(standard, organization, facts, today):
    minimum = standard.min_qualified_staff
    required = standard.qualification
    if required and required not in StaffMember.Qualification.values:
        return _misconfigured(
            "qualified_staff",
            _("it asks for an unknown qualification (%(value)s)") % {"value": required},
        )
    backed = {
        document.staff_member_id
        for document in facts.documents
        if document.kind == OrganizationDocument.Kind.QUALIFICATION
        and document.staff_member_id is not None
        and document.is_valid_on(today)
    }
    holders = [person for person in facts.staff if _meets_qualification(person.qualification, required)]
    count = sum(1 for person in holders if person.pk in backed)
    unbacked = len(holders) - count
    values = {"count": count, "minimum": minimum, "qualification": _qualification_text(required)}
    if count >= minimum:
        return RuleResult(
            "qualified_staff",
            True,
            _(
                "Staff holding %(qualification)s, each backed by a valid qualification document: %(count)d "
                "(at least %(minimum)d required)."
            )
            % values,
        )
    message = (
        _(
            "Staff holding %(qualification)s, each backed by a valid qualification document: %(count)d, fewer "
            "than the %(minimum)d required."
        )
        % values
    )
    if unbacked:
        message += " " + (
            _(
                "Another %(unbacked)d have it recorded but no valid qualification document: upload the "
                "certificate for each."
            )
            % {"unbacked": unbacked}
        )
    action = _(
        "Set the qualification of %(missing)d more member(s) to %(qualification)s and upload each one's "
        "qualification certificate to meet “%(standard)s”."
    ) % {"missing": minimum - count, "qualification": values["qualification"], "standard": standard.name}
    if unbacked >= minimum - count:
        action = _(
            "Upload the qualification certificate of the members whose qualification is recorded to meet "
            "“%(standard)s”."
        ) % {"standard": standard.name}
    return RuleResult("qualified_staff", False, message, action)


def _misconfigured(code, problem):
    return RuleResult(
        code,
        False,
        _("This entry standard is misconfigured: %(problem)s. Ask a procurement officer to correct it.")
        % {"problem": problem},
    )


def _documents(standard, organization, facts, today):
    required = standard.required_documents
    if not isinstance(required, list):
        return [_misconfigured("documents", _("its list of required documents is not a list"))]
    kinds, unknown = [], []
    for kind in required:
        if isinstance(kind, str) and kind in OrganizationDocument.Kind.values:
            if kind not in kinds:
                kinds.append(kind)
        elif str(kind) not in unknown:
            unknown.append(str(kind))
    results = []
    if unknown:
        results.append(
            _misconfigured(
                "documents_config",
                _("it requires unknown kinds of document (%(kinds)s)") % {"kinds": LIST_SEPARATOR.join(unknown)},
            )
        )
    if not kinds:
        return results
    problems, to_upload = [], []
    for kind in kinds:
        label = OrganizationDocument.Kind(kind).label
        current = [document for document in facts.documents if document.kind == kind]
        if any(document.is_valid_on(today) for document in current):
            continue
        to_upload.append(str(label))
        if current:
            last = max(document.expires_on for document in current)
            problems.append(_("%(document)s (expired on %(date)s)") % {"document": label, "date": last.isoformat()})
        else:
            problems.append(_("%(document)s (not uploaded)") % {"document": label})
    labels = LIST_SEPARATOR.join(str(OrganizationDocument.Kind(kind).label) for kind in kinds)
    if problems:
        results.append(
            RuleResult(
                "documents",
                False,
                _("Required documents are missing or expired: %(problems)s. Upload a valid one for each.")
                % {"problems": LIST_SEPARATOR.join(problems)},
                _("Upload %(documents)s to meet “%(standard)s”.")
                % {"documents": LIST_SEPARATOR.join(to_upload), "standard": standard.name},
            )
        )
    else:
        results.append(
            RuleResult("documents", True, _("The required documents are valid: %(documents)s.") % {"documents": labels})
        )
    return results


def _performance(standard, organization, facts, today):
    minimum = standard.min_performance_grade
    if minimum not in GRADE_ORDER:
        return _misconfigured(
            "performance", _("it asks for an unknown performance grade (%(value)s)") % {"value": minimum}
        )
    minimum_label = EntryStandard.Grade(minimum).label
    grades = facts.grades
    if not grades:
        return RuleResult(
            "performance",
            True,
            _("No graded contracts yet: the minimum performance grade %(minimum)s applies once there are.")
            % {"minimum": minimum_label},
        )
    day, grade = grades[-1]
    values = {
        "grade": EntryStandard.Grade(grade).label,
        "date": _as_date(day).isoformat(),
        "minimum": minimum_label,
    }
    if GRADE_ORDER.index(grade) <= GRADE_ORDER.index(minimum):
        return RuleResult(
            "performance",
            True,
            _("Latest performance grade: %(grade)s (%(date)s); at least %(minimum)s required.") % values,
        )
    return RuleResult(
        "performance",
        False,
        _("Latest performance grade: %(grade)s (%(date)s), below the minimum %(minimum)s.") % values,
        _("A next contract graded at least %(minimum)s lets the organization meet “%(standard)s” again.")
        % {"minimum": minimum_label, "standard": standard.name},
    )


def _evaluate(standard, organization, facts, today):
    results = [_status(standard, organization, facts, today)]
    if standard.required_track:
        if standard.required_track in Organization.Track.values:
            results.append(_track(standard, organization, facts, today))
        else:
            results.append(
                _misconfigured(
                    "track", _("it requires an unknown track (%(value)s)") % {"value": standard.required_track}
                )
            )
    if standard.min_years_since_founding > 0:
        results.append(_years(standard, organization, facts, today))
    if standard.min_qualified_staff > 0:
        results.append(_qualified_staff(standard, organization, facts, today))
    if standard.required_documents:
        results.extend(_documents(standard, organization, facts, today))
    if standard.min_performance_grade:
        results.append(_performance(standard, organization, facts, today))
    return Eligibility(standard=standard, organization=organization, results=results)


# --- the public API --------------------------------------------------------------------


def check(standard, organization, *, today=None):
    """Whether ``organization`` meets ``standard`` on ``today``, every rule
    explained."""
    today = today or timezone.localdate()
    return _evaluate(standard, organization, _Facts(organization), today)


def standard_sets():
    """The standard rule sets (``is_standard``)."""
    return EntryStandard.objects.filter(is_standard=True)


def standards_concerning(organization):
    """The standard rule sets that concern ``organization``: those open to
    its track (a standard without a required track is open to both).  A
    standard for registered organizations does not concern a filed one, which
    cannot meet it before it registers (file first, register later); the
    calls it could bid on say, each, which standard they use.  The
    organization's workspace and the officers' review page both show these."""
    return standard_sets().filter(Q(required_track="") | Q(required_track=organization.track))


def check_all(organization, standards=None, *, today=None):
    """``check`` against each standard (the standard sets by default); the
    organization's documents and roster are read once."""
    today = today or timezone.localdate()
    standards = list(standard_sets() if standards is None else standards)
    if not standards:
        return []
    facts = _Facts(organization)
    return [_evaluate(standard, organization, facts, today) for standard in standards]
