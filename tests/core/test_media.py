"""core.media: stored files get unguessable names, and existing ones are renamed safely."""

import re

from django.apps import apps
from django.db import models

from meterops.core.media import RandomName

IDPEL, PK = "531234567890", 987654321
RANDOM = re.compile(r"[a-z]+(/[a-z]+)*/\d{4}/\d{2}/[0-9a-f]{32}(\.jpg)?")


def file_fields():
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


class RandomNameTests:
    def test_every_file_field_stores_under_a_random_name_without_identifiers(self):
        fields = file_fields()
        # The photos and scans of HOME, reading, prepaid, fieldwork, the event log and uploads.
        assert len(fields) >= 11
        for model, field in fields:
            instance = model(pk=PK)
            for text in model._meta.concrete_fields:
                if isinstance(text, models.CharField) and not text.choices:
                    setattr(instance, text.attname, IDPEL)
            first = field.generate_filename(instance, f"{IDPEL}_ASEP SUNANDAR.jpg")
            second = field.generate_filename(instance, f"{IDPEL}_ASEP SUNANDAR.jpg")
            label = f"{model._meta.label}.{field.name}"
            assert RANDOM.fullmatch(first), (label, first)
            assert first != second, label
            assert IDPEL not in first and str(PK) not in first and "ASEP" not in first, label

    def test_an_unknown_extension_is_dropped(self):
        name = RandomName("replacement/ba")(None, "ba.pdf.html")
        assert RANDOM.fullmatch(name) and "." not in name
