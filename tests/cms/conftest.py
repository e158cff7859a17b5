import pytest


@pytest.fixture
def opened(opened_by_services):
    """The public pages are made by the CMS receivers of the procurement
    events, so the CMS tests walk the project through the services."""
    return opened_by_services
