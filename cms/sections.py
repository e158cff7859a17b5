"""Which views show the records of each public section.  A section's module
defines ``index(request, page)`` and may define ``detail(request, page, key)``,
``part(request, page, key, part)`` (``/<key>/<part>/``) and
``download(request, page, fmt)``; a section without a module shows only its
CMS introduction."""

from importlib import import_module

SECTION_VIEW_MODULES = {
    "catalogue": "cms.views.catalogue",
    "needs": "cms.views.needs",
    "organizations": "cms.views.organizations",
    "projects": "cms.views.projects",
    "results": "cms.views.results",
    "disclosure": "cms.views.disclosure",
}


def view_for(section, name):
    module_path = SECTION_VIEW_MODULES.get(section)
    if module_path is None:
        return None
    return getattr(import_module(module_path), name, None)
