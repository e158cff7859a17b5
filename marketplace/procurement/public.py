"""What the public site reads about one call (DESIGN §3: ``cms`` reads the
other apps through selectors and public read modules).

A call whose deadline has passed has its bids opened before anyone reads it:
the lazy half of the opening (the scheduler is the other half), so public
pages never depend on the scheduler.  The opening is due by the clock, not a
reader's decision; this module, not the CMS, owns that."""

from marketplace.procurement.selectors import projects as selectors
from marketplace.procurement.services import opening


def public_project(key):
    """The public project with this reference, its bids opened if the
    deadline has passed; None for drafts, pending and unknown references."""
    project = selectors.public_project(key)
    if project is None:
        return None
    if opening.ensure_opened(project) is not project:  # opened by this request
        project = selectors.public_project(key)
    return project
