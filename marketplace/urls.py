"""The app's URL namespaces.  Two of them span domains: an organization's
workspace (/org/) holds its bids and results, and an officer's project
workbench (/work/projects/) holds the evaluation and award.  Each domain owns
its routes; they are joined here, above the domains, so no domain imports a
higher one (see .importlinter)."""

from marketplace.evaluation import org_urls as evaluation_org_urls
from marketplace.evaluation import project_urls as evaluation_project_urls
from marketplace.organizations import urls as organization_urls
from marketplace.procurement import org_urls as procurement_org_urls
from marketplace.procurement import urls as procurement_urls

organization_workspace = (
    organization_urls.urlpatterns + procurement_org_urls.urlpatterns + evaluation_org_urls.urlpatterns,
    "orgs",
)
project_workbench = (
    evaluation_project_urls.leading_urlpatterns + procurement_urls.urlpatterns + evaluation_project_urls.urlpatterns,
    "projects",
)
