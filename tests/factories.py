"""Factories for the rows the tests need; each builds a valid row with the least said."""

import itertools

import factory

from meterops.core.choices import UnitLevel
from meterops.core.models import Contractor, Role, Unit, User
from meterops.customers.models import Customer, Meter, Route, Substation

TEST_PASSWORD = "rahasia-uji-123"
_serials = itertools.count(1)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{60000 + n}")
    name = factory.LazyAttribute(lambda u: f"ULP {u.code}")
    level = UnitLevel.SERVICE_POINT


class ContractorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contractor
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"VND{n:03d}")
    name = factory.LazyAttribute(lambda c: f"PT Vendor {c.code}")

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        if create and extracted:
            self.units.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Uji"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set(Role.objects.filter(code__in=extracted))
        if create:
            self.save()

    @factory.post_generation
    def placed_units(self, create, extracted, **kwargs):
        """A contractor's user is placed in all its contractor's units unless told otherwise."""
        if create and self.contractor_id:
            self.placed_units.set(
                extracted if extracted is not None else self.contractor.units.all()
            )


class SubstationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Substation

    code = factory.Sequence(lambda n: f"GD{n:04d}")


class RouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Route

    code = factory.Sequence(lambda n: f"RBM{n:04d}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    customer_id = factory.LazyAttribute(lambda c: f"{c.unit.code[:5]}{next(_serials):07d}")
    name = factory.Sequence(lambda n: f"PELANGGAN {n}")
    address = "JL. UJI NO. 1"
    tariff = "R1"
    power_va = 1300


class MeterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meter

    customer = factory.SubFactory(CustomerFactory)
    brand = "HEXING"
    model = "HXE110"
    meter_number = factory.Sequence(lambda n: f"45{n:09d}")
