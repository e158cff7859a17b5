"""Page objects for the browser journeys: one small class per page, so a
change of a page (another helper's work on the UI) is adjusted here, not in
every journey.  Fields are found by their form names (stable); what a
person reads is asserted in the interface language, through the catalogue
(``zh("English msgid")``), never with hard-coded Chinese that a translation
fix would break.

Each ``open``/navigation step runs the page checks (``audit.check``:
axe-core, contrast, touch targets) on the page it lands on.
"""

import re

from django.utils import translation

ZH = "zh-hans"


def zh(text, **values):
    """``text`` as the site shows it in Chinese (the default language)."""
    with translation.override(ZH):
        shown = translation.gettext(text)
    return shown % values if values else shown


def zh_pieces(text):
    """The literal parts of ``text``'s translation around its placeholders
    (``%(name)s``): each must appear on a page that shows the message."""
    return [part.strip() for part in re.split(r"%\(\w+\)[sd]", zh(text)) if part.strip()]


def shows(page_text, msgid):
    missing = [piece for piece in zh_pieces(msgid) if piece not in page_text]
    return not missing


class Page:
    path = None

    def __init__(self, page, audit):
        self.page = page
        self.audit = audit

    # --- navigation and checks ------------------------------------------------

    def open(self, path=None):
        self.page.goto(path or self.path)
        return self.checked()

    def checked(self, label=None):
        self.audit.check(self.page, label)
        return self

    def follow(self, locator, page_class=None):
        """Click a link or button that loads another page; check that page."""
        with self.page.expect_navigation():
            locator.click()
        target = (page_class or type(self))(self.page, self.audit)
        return target.checked()

    # --- reading ----------------------------------------------------------------

    @property
    def main(self):
        return self.page.locator("main")

    def heading(self):
        return self.page.locator("main h1").first.inner_text().strip()

    def messages(self):
        found = self.page.locator("ul.messages")
        return found.inner_text() if found.count() else ""

    def text(self):
        return self.main.inner_text()

    def field(self, name):
        return self.page.locator(f'main [name="{name}"]')

    def fill(self, **values):
        for name, value in values.items():
            self.field(name).fill(value)
        return self

    def button(self, msgid):
        return self.page.get_by_role("button", name=zh(msgid), exact=True)

    def link(self, name, *, exact=False):
        return self.main.get_by_role("link", name=name, exact=exact)


# --- public pages -------------------------------------------------------------------


class HomePage(Page):
    path = "/"

    def call_links(self, project):
        """Links in the page's main part to the call of ``project``."""
        return self.main.locator(f'a[href$="/projects/{project.ref}/"]')

    def to_projects(self):
        """The main navigation's entry for the public projects section."""
        nav = self.page.locator("nav.site-nav")
        return self.follow(nav.locator('a[href="/projects/"]'), ProjectsPage)


class ProjectsPage(Page):
    path = "/projects/"

    def to_call(self, project):
        return self.follow(self.main.locator(f'a[href$="/projects/{project.ref}/"]').first, CallPage)


class CallPage(Page):
    def bid_button(self):
        """The call's 我要投标 (another helper's work: "Bid on this call")."""
        return self.main.locator("a.button, button").filter(has_text=re.compile("投标"))


# --- accounts -----------------------------------------------------------------------


class SignupPage(Page):
    path = "/accounts/signup/"

    def sign_up(self, identifier, password):
        self.fill(identifier=identifier, password1=password, password2=password)
        return self.follow(self.button("Sign up"), SignupSentPage)


class SignupSentPage(Page):
    def to_sign_in(self):
        return self.follow(self.link(zh("Sign in to enter the code")), SignInPage)


class SignInPage(Page):
    path = "/accounts/login/"

    def sign_in(self, identifier, password, next_page=None):
        self.fill(username=identifier, password=password)
        return self.follow(self.main.locator("button[type=submit]").first, next_page or Page)


class VerifyPage(Page):
    path = "/accounts/verify/"

    def enter_code(self, code):
        self.fill(code=code)
        return self.follow(self.button("Confirm"), Page)


class ReauthPage(Page):
    """ "Confirm it is you": password and a code before an irreversible step."""

    def confirm(self, password, code, next_page=None):
        self.page.locator("main input[type=password]").fill(password)
        self.page.locator('main input[autocomplete="one-time-code"]').fill(code)
        return self.follow(self.button("Confirm and continue"), next_page or Page)


class NoticesPage(Page):
    path = "/accounts/notices/"


# --- an organization's workspace ---------------------------------------------------


class OrganizationStepPage(Page):
    """The three-step wizard (/org/new/, /org/<pk>/step/<n>/)."""

    path = "/org/new/"

    def choose(self, name, value):
        self.page.locator(f'input[name="{name}"][value="{value}"]').check()
        return self

    def select(self, name, value):
        self.field(name).select_option(str(value))
        return self

    def save(self, next_page=None):
        """ "Save and continue" (or "Save and finish" on the last step)."""
        return self.follow(
            self.main.locator("form .form-buttons button[type=submit]").first, next_page or OrganizationStepPage
        )


class OrganizationWorkspacePage(Page):
    def status(self):
        return self.main.locator(".status").first.inner_text().strip()


class OrganizationDocumentsPage(Page):
    def upload(self, *, kind, title, file_name, content):
        self.field("kind").select_option(kind)
        self.fill(title=title)
        self.field("file").set_input_files({"name": file_name, "mimeType": "application/pdf", "buffer": content})
        return self.follow(self.main.locator("form[enctype] button[type=submit]").last, OrganizationDocumentsPage)


class OrganizationSubmitPage(Page):
    def submit(self):
        self.field("confirm").check()
        return self.follow(self.main.locator("form button[type=submit]").last, OrganizationWorkspacePage)


class ReviewPage(Page):
    """An officer's review of one organization (/work/organizations/<pk>/)."""

    def approve_form(self):
        return self.page.locator("form#decide-approve")


class BidPage(Page):
    """An organization's bid on one call (/org/<pk>/bids/<ref>/)."""

    def start(self):
        return self.follow(self.button("Prepare a bid"), BidPage)

    def fill_bid(self, *, price, responses, team, experience):
        self.fill(price=price, team=team, experience=experience)
        for criterion, text in responses.items():
            self.field(f"response_{criterion.pk}").fill(text)
        return self

    def typed(self):
        """What the editor holds now (to see that nothing typed was lost)."""
        return {name: self.field(name).input_value() for name in ("price", "team", "experience")}

    def attach(self, *, title, file_name, content):
        self.fill(**{"doc-title": title})
        self.field("doc-file").set_input_files({"name": file_name, "mimeType": "application/pdf", "buffer": content})
        return self.follow(self.button("Attach the PDF"), BidPage)

    def documents(self):
        return self.page.locator("table.documents-table tbody tr")

    def save(self):
        return self.follow(self.button("Save draft"), BidPage)

    def submit(self):
        self.field("submit-confirm").check()
        return self.follow(self.button("Submit the bid"), ReceiptPage)


class ReceiptPage(Page):
    def digest(self):
        return self.page.locator("#digest").inner_text().strip()

    def canonical(self):
        return self.page.locator("pre.canonical").inner_text()

    def download_canonical(self):
        """The exact text offered for download (the ``download`` link)."""
        with self.page.expect_download() as info:
            self.main.locator("ul.downloads a[download]").click()
        download = info.value
        with open(download.path(), "rb") as handle:
            return download.suggested_filename, handle.read()


# --- evaluation, award and challenges -------------------------------------------------


class EvaluationPage(Page):
    """The officer's evaluation and award page (/work/projects/<ref>/evaluation/)."""

    def award(self, next_page=None):
        form = self.page.locator("form#award-form")
        form.locator('input[name="confirm"]').check()
        return self.follow(form.locator("button[type=submit]"), next_page or EvaluationPage)

    def awarded_to(self):
        return self.page.locator("#award dl.facts dd").first.inner_text().strip()

    def challenges_table(self):
        return self.page.locator("table.challenges-table")


class BidResultPage(Page):
    """A bidder's result: scores, rank, the result letter, the challenge form."""

    def challenge(self, reasons):
        self.page.locator('textarea[name="reasons"]').fill(reasons)
        self.page.locator('input[name="confirm"]').check()
        form = self.page.locator('form:has(textarea[name="reasons"])')
        return self.follow(form.locator("button[type=submit]"), BidResultPage)


class ChallengesPage(Page):
    path = "/work/projects/challenges/"
