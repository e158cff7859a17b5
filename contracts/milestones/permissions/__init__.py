"""Who may do what with milestones: one module per part of the work
(``delivery``: reports and community supervision; the evaluation's own
modules beside it).  ``can_<verb>(user, obj) -> Decision``; views, services
and templates ask the same functions."""
