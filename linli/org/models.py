"""Subdistricts, communities, grids, posts and staff, and who may see what."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from linli.core.fields import EncryptedCharField

code_validator = RegexValidator(r"^[0-9A-Za-z_-]+$", _("Use digits, letters, '-' or '_' only."))


class Subdistrict(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    subdistrict = models.ForeignKey(
        Subdistrict,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("subdistrict"),
    )
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A grid (网格); its code may follow the 20-digit structure of CJ/T 349."""

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name=_("community")
    )
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """A staff post (岗位) and what holding it allows."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    can_reveal = models.BooleanField(_("may reveal full ID and phone numbers"), default=False)
    can_see_restricted = models.BooleanField(_("may see restricted groups"), default=False)
    can_audit = models.BooleanField(_("may read the audit log"), default=False)
    can_import = models.BooleanField(_("may import residents"), default=False)
    can_export = models.BooleanField(_("may export residents"), default=False)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    """A community or subdistrict worker, with posts and the places they are assigned to.

    Scope: a subdistrict assignment covers all its communities; a community assignment covers the
    whole community; a grid assignment covers only that grid.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = EncryptedCharField(_("phone"), blank=True)
    posts = models.ManyToManyField(Post, related_name="staff", blank=True, verbose_name=_("posts"))
    subdistricts = models.ManyToManyField(
        Subdistrict, related_name="staff", blank=True, verbose_name=_("subdistricts")
    )
    communities = models.ManyToManyField(
        Community, related_name="staff", blank=True, verbose_name=_("communities")
    )
    grids = models.ManyToManyField(Grid, related_name="staff", blank=True, verbose_name=_("grids"))

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
