"""The government purchase catalogue (政府购买服务指导性目录).

A catalogue version is drafted, then published; a published version is
immutable (changing it means copying it forward into a new draft).  Items
that have been published are never deleted: the exit mechanism retires them
with a reason, and they stay in the history."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition

from marketplace.catalogue import permissions
from marketplace.core.fsm import guard
from marketplace.core.money import format_cny


class CatalogueLockedError(Exception):
    """A published catalogue version (or one of its items) was about to change."""


class ServiceCategory(models.Model):
    """Major category (大类, no parent) or minor category (小类, under a major)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("major category"),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")]

    def __str__(self):
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    def save(self, *args, **kwargs):
        if self._changes_published_text():
            raise CatalogueLockedError("A category used by a published catalogue cannot change.")
        super().save(*args, **kwargs)

    @property
    def is_major(self):
        return self.parent_id is None

    @property
    def major(self):
        return self if self.parent_id is None else self.parent

    def clean(self):
        if self.parent_id and (self.parent_id == self.pk or self.parent.parent_id):
            raise ValidationError({"parent": _("Categories have two levels: a minor category's parent must be major.")})
        if self.parent_id and self.pk and ServiceCategory.objects.filter(parent_id=self.pk).exists():
            raise ValidationError({"parent": _("This category has minor categories, so it stays a major category.")})
        if self._changes_published_text():
            raise ValidationError(
                _("Published catalogue items use this category: its code, name and parent can no longer change.")
            )

    def _changes_published_text(self):
        """Published versions show the category: renaming or moving it would rewrite them."""
        if self.pk is None:
            return False
        stored = ServiceCategory.objects.filter(pk=self.pk).values("code", "name", "parent_id").first()
        if stored is None or stored == {"code": self.code, "name": self.name, "parent_id": self.parent_id}:
            return False
        used = CatalogueItem.objects.filter(Q(category_id=self.pk) | Q(category__parent_id=self.pk))
        return used.exclude(version__state=CatalogueVersion.State.DRAFT).exists()


class CatalogueVersion(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=50, unique=True, help_text=_("For example: 2026版"))
    state = FSMField(_("state"), default=State.DRAFT, choices=State.choices, protected=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("copied from"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        "marketplace.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("catalogue version")
        verbose_name_plural = _("catalogue versions")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["state"], condition=Q(state="published"), name="catalogue_one_published_version"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        """The name for a reader.  The name is data, written by officers;
        the usual one, the year's edition ("2026版"), reads in the reader's
        language ("2026 edition"); any other name is a proper name, shown as
        written."""
        language = translation.get_language() or ""
        if not language.startswith("zh") and self.name in (f"{self.year}版", f"{self.year}年版"):
            return _("%(year)s edition") % {"year": self.year}
        return self.name

    @property
    def is_draft(self):
        return self.state == self.State.DRAFT

    @guard(_("A catalogue without active items cannot be published."), code="no_active_items")
    def has_active_items(self):
        return self.items.filter(active=True).exists()

    @transition(
        field=state,
        source=State.DRAFT,
        target=State.PUBLISHED,
        conditions=[has_active_items],
        permission=permissions.may_publish,
    )
    def publish(self, *, by=None, reason=""):
        pass

    @transition(field=state, source=State.PUBLISHED, target=State.SUPERSEDED)
    def supersede(self, *, by=None, reason=""):
        pass


class CatalogueItem(models.Model):
    class Kind(models.TextChoices):
        UNDERTAKEN = "undertaken", _("Undertaken")
        ASSISTED = "assisted", _("Assisted")

    class Unit(models.TextChoices):
        PERSON_TIME = "person_time", _("per person-time")
        SESSION = "session", _("per session")
        HOUSEHOLD = "household", _("per household")
        MONTH = "month", _("per month")
        HOUR = "hour", _("per hour")
        PROJECT = "project", _("per project")
        YEAR = "year", _("per year")

    # What an item says (its identity within a version aside): the fields
    # that forms edit, that copying forward carries, and that files hold.
    CONTENT_FIELDS = (
        "code",
        "name",
        "category",
        "department",
        "kind",
        "content",
        "quantity",
        "quality",
        "outputs",
        "unit",
        "price_min",
        "price_max",
        "eligible_filed",
        "eligible_registered",
    )
    EXIT_FIELDS = ("active", "retired_reason", "retired_at")

    version = models.ForeignKey(
        CatalogueVersion, on_delete=models.PROTECT, related_name="items", verbose_name=_("catalogue version")
    )
    code = models.CharField(
        _("code"),
        max_length=30,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9\-]*$", _("A code has letters, digits and hyphens only (at most 30).")
            )
        ],
    )
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        ServiceCategory, on_delete=models.PROTECT, related_name="items", verbose_name=_("category")
    )
    department = models.CharField(_("responsible department"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.UNDERTAKEN)
    content = models.TextField(_("service content"))
    quantity = models.TextField(_("service quantity"), blank=True)
    quality = models.TextField(_("quality requirements"), blank=True)
    outputs = models.TextField(_("expected outputs"), blank=True)
    unit = models.CharField(_("pricing unit"), max_length=12, choices=Unit.choices)
    price_min = models.DecimalField(
        _("reference unit price (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("The reference price, or the lower end of a range."),
    )
    price_max = models.DecimalField(
        _("upper reference price (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Only for a price range."),
    )
    eligible_filed = models.BooleanField(_("open to filed organizations (备案)"), default=True)
    eligible_registered = models.BooleanField(_("open to registered organizations (登记)"), default=True)
    active = models.BooleanField(_("active"), default=True)
    retired_reason = models.TextField(_("reason for retiring"), blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("same item in the previous version"),
    )

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["version", "category__sort_order", "category__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="catalogue_item_code_unique_in_version"),
            models.CheckConstraint(condition=Q(price_min__gte=0), name="catalogue_item_price_min_not_negative"),
            models.CheckConstraint(
                condition=Q(price_max__isnull=True) | Q(price_max__gte=models.F("price_min")),
                name="catalogue_item_price_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(eligible_filed=True) | Q(eligible_registered=True),
                name="catalogue_item_open_to_some_track",
            ),
            models.CheckConstraint(
                condition=Q(active=True) | ~Q(retired_reason=""),
                name="catalogue_item_retired_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        with transaction.atomic():
            # Lock the version row: a publication cannot slip in between the
            # check and the write (publish_version locks the same row).
            if not self._version_is_draft(lock=True):
                raise CatalogueLockedError("Items of a published catalogue version cannot change.")
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if not self._version_is_draft():
            raise CatalogueLockedError("Items of a published catalogue version cannot be deleted.")
        if self.previous_id:
            raise CatalogueLockedError("A published item is never deleted; retire it with a reason.")
        return super().delete(*args, **kwargs)

    @property
    def price_display(self):
        if self.price_max is not None and self.price_max != self.price_min:
            return f"{format_cny(self.price_min)}–{format_cny(self.price_max)}"
        return format_cny(self.price_min)

    @property
    def eligible_tracks_display(self):
        tracks = []
        if self.eligible_filed:
            tracks.append(str(_("filed (备案)")))
        if self.eligible_registered:
            tracks.append(str(_("registered (登记)")))
        return str(pgettext_lazy("list separator", ", ")).join(tracks)

    def clean(self):
        errors = {}
        if self.price_max is not None and self.price_min is not None and self.price_max < self.price_min:
            errors["price_max"] = _("The upper price must not be below the reference price.")
        if not (self.eligible_filed or self.eligible_registered):
            errors["eligible_registered"] = _("Open the item to at least one kind of organization.")
        if self.category_id and self.category.is_major:
            errors["category"] = _("Choose a minor category.")
        if not self.active and not self.retired_reason.strip():
            errors["retired_reason"] = _("Give the reason for retiring the item.")
        if self.version_id and not self._version_is_draft():
            raise ValidationError(_("This catalogue version is published and cannot change; copy it to a new draft."))
        if errors:
            raise ValidationError(errors)

    def _version_is_draft(self, *, lock=False):
        versions = CatalogueVersion.objects.filter(pk=self.version_id)
        if lock:
            versions = versions.select_for_update()
        state = versions.values_list("state", flat=True).first()
        return state == CatalogueVersion.State.DRAFT


class CatalogueImport(models.Model):
    """One upload of an .xlsx/.csv file into a draft version.  Validation is
    all-or-nothing; a large file is processed by a worker while the page
    shows progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Checking")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Rejected")

    version = models.ForeignKey(CatalogueVersion, on_delete=models.CASCADE, related_name="imports")
    uploaded_by = models.ForeignKey("marketplace.User", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file"), max_length=200)
    content = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} → {self.version}"

    @property
    def percent(self):
        if not self.total_rows:
            return 100 if self.status in (self.Status.SUCCEEDED, self.Status.FAILED) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
