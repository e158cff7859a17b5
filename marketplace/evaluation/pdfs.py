"""The award notice (中标（成交）通知书) to the winner and the result letter
(结果告知书) to every other bidder, as PDFs in Simplified Chinese (the
language of record), with the platform's CJK font embedded.

What a bidder may read about the result is decided here, once, for the
letters and for the workspace page (``letter_facts``): its own row of the
evaluation report's ranking (price score, the mean of the members'
non-price totals, total, rank out of how many were ranked), its own
qualification reasons when it was disqualified, and of the others only the
winner's name and price.  No personal data (phones, ID numbers, addresses,
e-mail addresses) is on either document.
"""

from marketplace.core.pdf import render_pdf
from marketplace.evaluation.models import Qualification
from marketplace.evaluation.services.scoring import render_report_pdf
from marketplace.procurement.models.bids import Bid


class Outcome:
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"
    DISQUALIFIED = "disqualified"
    CANCELLED = "cancelled"


def own_row(award, bid):
    """The bid's own row of the report the award was made on, or None
    (a bid disqualified before the scoring is not ranked)."""
    return next((row for row in award.report.ranking if row.get("bid") == bid.pk), None)


def _own_scores(row):
    """Only the bid's own numbers: never the member totals or another row."""
    if row is None:
        return None
    return {key: row.get(key) for key in ("rank", "price", "price_score", "non_price", "total")}


def outcome(bid, award):
    if award.cancelled_at is not None:
        return Outcome.CANCELLED
    if bid.pk == award.bid_id:
        return Outcome.AWARDED
    if bid.state == Bid.State.DISQUALIFIED:
        return Outcome.DISQUALIFIED
    return Outcome.NOT_AWARDED


def letter_facts(bid, award):
    """Everything the result page and the letters show to ``bid``'s organization."""
    project = bid.project
    qualification = Qualification.objects.filter(bid=bid).first()
    disqualified = bid.state == Bid.State.DISQUALIFIED
    return {
        "project": project,
        "bid": bid,
        "organization": bid.organization,
        "award": award,
        "outcome": outcome(bid, award),
        "cancelled": award.cancelled_at is not None,
        "scores": _own_scores(own_row(award, bid)),
        "ranked_count": len(award.report.ranking),
        "disqualified": disqualified,
        "qualification_reason": qualification.reason if qualification is not None and disqualified else "",
        "entry_problems": list(qualification.entry_problems or [])
        if qualification is not None and disqualified
        else [],
        "declined": bid.declined_at is not None,
        "winner": award.bid.organization.name,
        "winner_price": award.price,
        "challenge_deadline": award.challenge_deadline,
    }


def award_notice_pdf(award):
    """中标（成交）通知书 for the awarded organization."""
    return render_pdf("pdf/award_notice.html", letter_facts(award.bid, award))


def result_letter_pdf(bid, award):
    """结果告知书 for an organization whose bid was not awarded."""
    return render_pdf("pdf/result_letter.html", letter_facts(bid, award))


def report_pdf(project, report, *, public=False):
    """The evaluation report as a PDF; ``public`` is the public result's copy
    (no declarations' details; members' sheets only if configured)."""
    return render_report_pdf(project, report, public=public)
