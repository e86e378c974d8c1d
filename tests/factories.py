"""factory_boy factories for the domain model, shared by every test module."""

from __future__ import annotations

import factory

from integrations.models import Client, Integration, Platform, User
from mappings.models import RemoteLeadSource, RemoteStaff, StaffMapping, StaffPerson


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    id = factory.Sequence(lambda n: f"club-{n}")
    name = factory.Sequence(lambda n: f"Club {n}")


class PlatformFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Platform
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner {n}")
    adapter = "rest"


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    client = factory.SubFactory(ClientFactory)
    platform = factory.SubFactory(PlatformFactory)
    direction = "both"
    data = "both"
    staff_owner = True
    lead_source = True
    mode = "push"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    client = factory.SubFactory(ClientFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class StaffPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffPerson

    client = factory.SubFactory(ClientFactory)
    external_id = factory.Sequence(lambda n: f"P{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@club.example".lower())


class RemoteStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemoteStaff
        skip_postgeneration_save = True

    integration = factory.SubFactory(IntegrationFactory)
    external_id = factory.Sequence(lambda n: f"S{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@club.example".lower())
    mapping = factory.RelatedFactory(
        "tests.factories.StaffMappingFactory", factory_related_name="remote"
    )


class StaffMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMapping

    remote = factory.SubFactory(RemoteStaffFactory, mapping=None)
    integration = factory.LazyAttribute(lambda o: o.remote.integration)


class RemoteLeadSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemoteLeadSource

    integration = factory.SubFactory(IntegrationFactory)
    external_id = factory.Sequence(lambda n: f"LS{n}")
    name = factory.Sequence(lambda n: f"Source {n}")
