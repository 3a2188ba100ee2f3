from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction

from linli.core.bulk import bulk_insert, bulk_insert_rows
from linli.core.testing import resident_data
from linli.registry.models import Resident
from linli.registry.services import apply_resident_data

pytestmark = pytest.mark.django_db


def _new(world: Any, name: str) -> Resident:
    r = Resident(community=world.a, grid=world.a1, building=world.b_a1)
    apply_resident_data(r, resident_data(name))
    return r


def test_bulk_insert_sets_ids_encrypts_and_stamps(world: Any) -> None:
    before = Resident.objects.create(
        community=world.a, name="甲", sex="M", birth_date="1980-01-01", hukou_type="local"
    )
    objs = [_new(world, f"居民{i}") for i in range(2500)]
    with transaction.atomic():
        bulk_insert(objs, batch_size=1000)
    assert [o.pk for o in objs] == list(range(objs[0].pk, objs[0].pk + 2500))
    assert objs[0].pk > before.pk
    again = Resident.objects.get(pk=objs[1234].pk)
    assert again.id_number == objs[1234].id_number and again.created_at is not None
    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM registry_resident WHERE id = %s", [objs[0].pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("v1:") and objs[0].id_number not in stored
    # The sequence (PostgreSQL) or MAX(id) (SQLite) moves on: an ordinary save gets a new id.
    after = Resident.objects.create(
        community=world.a, name="乙", sex="F", birth_date="1980-01-01", hukou_type="local"
    )
    assert after.pk > objs[-1].pk


@pytest.mark.django_db(transaction=True)
def test_bulk_insert_refuses_outside_a_transaction() -> None:
    from linli.core.testing import make_world

    world = make_world()
    with pytest.raises(RuntimeError):
        bulk_insert([_new(world, "丙")])
    assert not Resident.objects.exists()


def test_bulk_insert_rows_fills_defaults(world: Any) -> None:
    from linli.registry.models import Dwelling, Household

    with transaction.atomic():
        ids = bulk_insert_rows(
            Dwelling,
            [{"building_id": world.b_a1.pk, "room": f"{r}", "floor": 1} for r in (101, 102)],
        )
        hh = bulk_insert_rows(Household, [{"dwelling_id": ids[0]}])
    d = Dwelling.objects.get(pk=ids[1])
    assert d.room == "102" and d.entrance == 1  # the field default
    h = Household.objects.get(pk=hh[0])
    assert h.number == "" and h.head_id is None and h.created_at is not None
