"""Keeping the search documents current.  Public state changes arrive as
the domains' events (a call published or changed, bids opened, an award
made or cancelled, a contract signed, closed or amended) or, for the
records without events (needs, organizations, the catalogue, CMS pages), as
the models' own save signals.  Every receiver only schedules a reindex for
after the commit (``index.reindex_after_commit``): the business step never
waits for the index, and an index failure never rolls it back."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from cms.search.index import rebuild_after_commit, reindex_after_commit
from contracts.contracts import events as contract_events
from marketplace.catalogue.models import CatalogueVersion
from marketplace.core import events
from marketplace.needs.models import Need
from marketplace.organizations.models import Organization


def _project_changed(sender, project, **kwargs):
    reindex_after_commit("projects", [project.pk])
    reindex_after_commit("results", [project.pk])


for _signal, _name in (
    (events.call_published, "call_published"),
    (events.call_changed, "call_changed"),
    (events.bids_opened, "bids_opened"),
    (events.award_made, "award_made"),
    (events.award_cancelled, "award_cancelled"),
):
    _signal.connect(_project_changed, dispatch_uid=f"cms.search.{_name}", weak=False)


def _contract_changed(sender, contract, **kwargs):
    reindex_after_commit("contracts", [contract.pk])


for _signal, _name in (
    (contract_events.contract_activated, "contract_activated"),
    (contract_events.contract_closed, "contract_closed"),
    (contract_events.contract_sum_changed, "contract_sum_changed"),
):
    _signal.connect(_contract_changed, dispatch_uid=f"cms.search.{_name}", weak=False)


@receiver(post_save, sender=Need, dispatch_uid="cms.search.need_saved")
def on_need_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_after_commit("needs", [instance.pk])


@receiver(post_save, sender=Organization, dispatch_uid="cms.search.organization_saved")
def on_organization_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_after_commit("organizations", [instance.pk])


@receiver(post_save, sender=CatalogueVersion, dispatch_uid="cms.search.catalogue_version_saved")
def on_catalogue_version_saved(sender, instance, raw=False, **kwargs):
    if not raw and instance.state == CatalogueVersion.State.PUBLISHED:
        rebuild_after_commit(["catalogue"])


@receiver(page_published, dispatch_uid="cms.search.page_published")
@receiver(page_unpublished, dispatch_uid="cms.search.page_unpublished")
def on_page_changed(sender, instance, **kwargs):
    reindex_after_commit("pages", [instance.pk])
