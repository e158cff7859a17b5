"""The milestones domain's events for the domains built on it.

``milestone_accepted(sender=Milestone, milestone=..., by=...)``: sent inside
the acceptance's transaction (the contract and milestone rows locked), so
a receiver's failure rolls the acceptance back: the payments domain
creates the milestone's payment request with it, never one without the
other."""

from django.dispatch import Signal

milestone_accepted = Signal()
