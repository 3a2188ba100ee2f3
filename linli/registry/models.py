"""Buildings, dwellings, households, residents and their special-group tags.

Nothing here is ever deleted: moves close a membership and open another, tags end with a date.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedCharField
from linli.lib.id_card import mask_id_number
from linli.lib.phone import display_phone, mask_phone
from linli.org.models import Community, Grid


class Building(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("grid")
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60, help_text=_("As residents say it, e.g. 7栋"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    entrances = models.PositiveSmallIntegerField(_("entrances"), default=1)
    floors = models.PositiveSmallIntegerField(_("floors"), default=6)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="building_code_unique"),
            models.UniqueConstraint(fields=["community", "name"], name="building_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Dwelling(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("building")
    )
    entrance = models.PositiveSmallIntegerField(_("entrance"), default=1)
    floor = models.SmallIntegerField(_("floor"))
    room = models.CharField(_("room"), max_length=12)

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["building_id", "entrance", "room"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "entrance", "room"], name="dwelling_room_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.label}"

    @property
    def label(self) -> str:
        return _("entrance %(entrance)s, room %(room)s") % {
            "entrance": self.entrance,
            "room": self.room,
        }


class Household(models.Model):
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="households", verbose_name=_("dwelling")
    )
    number = models.CharField(_("household number"), max_length=30, blank=True)
    head = models.ForeignKey(
        "Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("head of household"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["dwelling_id", "id"]

    def __str__(self) -> str:
        return str(self.dwelling)


class Resident(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class HukouType(models.TextChoices):
        LOCAL = "local", _("local hukou")
        NONLOCAL = "nonlocal", _("non-local hukou")
        SEPARATED = "separated", _("registered here, living elsewhere")

    class Status(models.TextChoices):
        ACTIVE = "active", _("living here")
        MOVED_OUT = "moved_out", _("moved out")
        DECEASED = "deceased", _("deceased")

    class Education(models.TextChoices):
        NONE = "none", _("no schooling")
        PRIMARY = "primary", _("primary school")
        JUNIOR = "junior", _("junior secondary")
        SENIOR = "senior", _("senior secondary / vocational")
        COLLEGE = "college", _("college")
        BACHELOR = "bachelor", _("bachelor")
        POSTGRADUATE = "postgraduate", _("postgraduate")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("employed")
        SELF_EMPLOYED = "self_employed", _("self-employed")
        UNEMPLOYED = "unemployed", _("unemployed")
        RETIRED = "retired", _("retired")
        STUDENT = "student", _("student")
        PRESCHOOL = "preschool", _("preschool child")
        OTHER = "other", _("other")

    class Marital(models.TextChoices):
        SINGLE = "single", _("single")
        MARRIED = "married", _("married")
        DIVORCED = "divorced", _("divorced")
        WIDOWED = "widowed", _("widowed")

    class DisabilityKind(models.TextChoices):
        VISUAL = "visual", _("visual")
        HEARING = "hearing", _("hearing")
        SPEECH = "speech", _("speech")
        PHYSICAL = "physical", _("physical")
        INTELLECTUAL = "intellectual", _("intellectual")
        MENTAL = "mental", _("mental")
        MULTIPLE = "multiple", _("multiple")

    # The foreign keys below carry no index of their own where a composite index in Meta starts
    # with them: every index is paid for on every write of a million-row table.
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("community"),
        db_index=False,
    )
    # Where the resident lives now; kept in step with the open membership by the services.
    grid = models.ForeignKey(
        Grid,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("grid"),
    )
    building = models.ForeignKey(
        Building,
        db_index=False,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("building"),
    )
    dwelling = models.ForeignKey(
        Dwelling,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("dwelling"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("household"),
    )

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("pinyin"), max_length=120, editable=False)
    name_initials = models.CharField(_("initials"), max_length=30, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = EncryptedCharField(_("ID number"), blank=True)
    id_number_hash = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )
    id_kind = models.CharField(_("ID kind"), max_length=20, blank=True)
    phone = EncryptedCharField(_("phone"), blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    hukou_type = models.CharField(_("hukou type"), max_length=12, choices=HukouType.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, blank=True
    )
    marital_status = models.CharField(
        _("marital status"), max_length=12, choices=Marital.choices, blank=True
    )
    disability_kind = models.CharField(
        _("disability kind"), max_length=20, choices=DisabilityKind.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(
        _("disability grade"), null=True, blank=True, choices=[(i, str(i)) for i in range(1, 5)]
    )
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    # Fields whose values never go to the audit log or an unprivileged screen.
    SECRET_FIELDS = frozenset({"id_number", "phone"})

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["community", "name_pinyin", "id"], name="res_comm_pinyin"),
            models.Index(fields=["grid", "name_pinyin", "id"], name="res_grid_pinyin"),
            models.Index(fields=["name_pinyin", "id"], name="res_pinyin_id"),
            models.Index(fields=["name"], name="res_name", opclasses=["varchar_pattern_ops"]),
            # Pinyin prefixes are searched as ranges (selectors._prefix_range): plain b-trees.
            models.Index(fields=["name_initials"], name="res_initials"),
            models.Index(fields=["community", "birth_date"], name="res_comm_birth"),
            # A one-character search is a surname: this index returns its residents in list order.
            models.Index(Substr("name", 1, 1), F("name_pinyin"), F("id"), name="res_surname"),
            models.Index(fields=["building", "dwelling"], name="res_building"),
        ]

    def __str__(self) -> str:
        return self.name

    # --- personal data: masked by default --------------------------------------------------
    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone) if self.phone else ""

    def age(self, today: date | None = None) -> int:
        today = today or timezone.localdate()
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_elderly_80(self) -> bool:
        return self.age() >= 80


class Tag(models.TextChoices):
    """Special groups (重点人群). `elderly_80` follows from the birth date and is never stored."""

    ELDERLY_ALONE = "elderly_alone", _("elderly living alone")
    ELDERLY_EMPTY_NEST = "elderly_empty_nest", _("empty-nest elderly")
    ELDERLY_80 = "elderly_80", _("aged 80 or over")
    DISABLED = "disabled", _("person with a disability")
    DIBAO = "dibao", _("dibao recipient")
    TEKUN = "tekun", _("extreme-poverty support")
    VETERAN = "veteran", _("entitled veteran or family")
    LEFT_BEHIND_CHILD = "left_behind_child", _("left-behind child")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("child in difficulty")
    UNEMPLOYED = "unemployed", _("unemployed")
    FLOATING = "floating", _("floating population")
    CORRECTIONS = "corrections", _("community corrections / released person")


RESTRICTED_TAGS = frozenset({Tag.CORRECTIONS.value})
DERIVED_TAGS = frozenset({Tag.ELDERLY_80.value})
# Tags whose status is reviewed every year (e.g. dibao eligibility).
YEARLY_REVIEW_TAGS = frozenset({Tag.DIBAO.value, Tag.TEKUN.value, Tag.CHILD_IN_DIFFICULTY.value})


class ResidentTagQuerySet(models.QuerySet["ResidentTag"]):
    def current(self, on: date | None = None) -> ResidentTagQuerySet:
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class ResidentTag(models.Model):
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="tags", verbose_name=_("resident")
    )
    tag = models.CharField(_("special group"), max_length=30, choices=Tag.choices)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    review_date = models.DateField(_("review date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)

    objects = ResidentTagQuerySet.as_manager()

    class Meta:
        verbose_name = _("special-group tag")
        verbose_name_plural = _("special-group tags")
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["tag", "resident"], name="tag_resident")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="tag_valid_range",
            ),
            models.CheckConstraint(condition=~Q(tag="elderly_80"), name="tag_not_derived"),
        ]

    def __str__(self) -> str:
        return self.get_tag_display()

    @property
    def is_restricted(self) -> bool:
        return self.tag in RESTRICTED_TAGS

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


class Membership(models.Model):
    """A resident's membership of a household, with its history."""

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("sibling")
        CHILD_IN_LAW = "child_in_law", _("son- or daughter-in-law")
        TENANT = "tenant", _("tenant")
        OTHER = "other", _("other")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("household")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("resident")
    )
    relation = models.CharField(_("relation to head"), max_length=20, choices=Relation.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("household membership")
        verbose_name_plural = _("household memberships")
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(left_on__isnull=True), name="one_open_membership"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.household}"
