"""Media goes out only through the views that scope it (issue #17, "media served without login").

Every view that serves a stored file is in ``MEDIA_VIEWS``: anonymous users are sent to the
login, users of another unit get a 404, users of the unit get the file (streamed, or by nginx's
X-Accel-Redirect when ``MEDIA_ACCEL_REDIRECT`` is set). No URL serves MEDIA_ROOT directly.
"""

import importlib
import io

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import clear_url_caches, reverse
from PIL import Image

from meterops.core.services import record_event
from meterops.imports.models import Upload
from meterops.replacement.models import Document
from tests.fieldwork.helpers import disconnection_order
from tests.replacement.conftest import (  # noqa: F401 - fixtures shared with replacement
    customer,
    damage_type,
    make_target,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _jpeg() -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (1, 2, 3)).save(buffer, "JPEG")
    return ContentFile(buffer.getvalue())


@pytest.fixture
def media(cast, customer, make_target):  # noqa: F811
    """One stored file behind each media view, all of ULP A; (name, url, content type, file)."""
    target = make_target(customer)
    photo = target.photos.get()
    document = Document(target=target, content_type="application/pdf", uploaded_by=cast.admin)
    document.file.save("ba.pdf", ContentFile(b"%PDF-1.4 ba"), save=False)
    document.save()
    event = record_event(
        process=target.process,
        verb="replacement.ba_uploaded",
        actor=None,
        attachment=document.file.name,
    )
    order = disconnection_order(cast)
    order.photo.save("foto.jpg", _jpeg(), save=False)
    order.signature.save("ttd.jpg", _jpeg(), save=False)
    order.save()
    upload = Upload(
        template_code="to",
        original_name="to.xlsx",
        sha256="0" * 64,
        size=5,
        uploaded_by=cast.supervisor,
        unit=cast.sp_a,
    )
    upload.file.save("to.xlsx", ContentFile(b"PK..."), save=False)
    upload.save()
    return [
        ("foto HOME", reverse("replacement:photo_file", args=[photo.pk, "full"]), "image/jpeg",
         photo.image),
        ("thumbnail HOME", reverse("replacement:photo_file", args=[photo.pk, "thumb"]),
         "image/jpeg", photo.thumbnail),
        ("BA HOME", reverse("replacement:document_file", args=[document.pk]), "application/pdf",
         document.file),
        ("lampiran riwayat", reverse("core:event_attachment", args=[event.pk]),
         "application/pdf", event.attachment),
        ("foto order", reverse("fieldwork:order_photo", args=[order.pk, "photo"]), "image/jpeg",
         order.photo),
        ("tanda tangan order", reverse("fieldwork:order_photo", args=[order.pk, "signature"]),
         "image/jpeg", order.signature),
        ("berkas upload", reverse("imports:upload_file", args=[upload.pk]), XLSX, upload.file),
    ]  # fmt: skip


class MediaViewTests:
    def test_anonymous_users_are_sent_to_the_login(self, client, media):
        for name, url, _type, _file in media:
            response = client.get(url)
            assert response.status_code == 302, name
            assert response["Location"].startswith(reverse("core:login")), name

    def test_users_of_another_unit_get_404(self, cast, client_for, media):
        client = client_for(cast.outsider_admin)
        for name, url, _type, _file in media:
            assert client.get(url).status_code == 404, name

    def test_users_of_the_unit_get_the_file_streamed(self, cast, client_for, media):
        client = client_for(cast.unit_admin)
        for name, url, content_type, file in media:
            response = client.get(url)
            assert response.status_code == 200, name
            assert response["Content-Type"] == content_type, name
            assert "X-Accel-Redirect" not in response, name
            file.open("rb")
            assert b"".join(response.streaming_content) == file.read(), name
            file.close()

    def test_with_accel_redirect_nginx_sends_the_file(self, cast, client_for, media, settings):
        settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
        client = client_for(cast.unit_admin)
        for name, url, content_type, file in media:
            response = client.get(url)
            assert response.status_code == 200, name
            assert response["X-Accel-Redirect"] == f"/protected-media/{file.name}", name
            assert response["Content-Type"] == content_type, name
            assert response.content == b"", name
            assert response["Cache-Control"] == "no-store", name

    def test_the_upload_is_offered_under_its_original_name(self, cast, client_for, media, settings):
        settings.MEDIA_ACCEL_REDIRECT = "/protected-media/"
        url = media[-1][1]
        response = client_for(cast.unit_admin).get(url)
        assert response["Content-Disposition"] == 'attachment; filename="to.xlsx"'

    def test_a_row_whose_file_is_gone_is_404(self, cast, client_for, media):
        _name, url, _type, file = media[0]
        default_storage.delete(file.name)
        assert client_for(cast.unit_admin).get(url).status_code == 404

    def test_the_timeline_links_the_attachment_through_its_view(
        self,
        cast,
        client_for,
        media,
        customer,  # noqa: F811
    ):
        page = client_for(cast.unit_admin).get(
            reverse("core:status"), {"customer_id": customer.customer_id}
        )
        html = page.content.decode()
        assert f'href="{media[3][1]}"' in html
        assert django_settings.MEDIA_URL not in html


@pytest.fixture
def urls_in_debug(settings):
    """The URLconf as a DEBUG process builds it (urls.py reads DEBUG when imported)."""
    import meterops.urls

    settings.DEBUG = True
    importlib.reload(meterops.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(meterops.urls)
    clear_url_caches()


class DirectMediaPathTests:
    def test_a_direct_media_path_is_404_even_in_debug(self, cast, client_for, urls_in_debug):
        stored = default_storage.save("replacement/photos/2026/01/531234567890.jpg", _jpeg())
        client = client_for(cast.admin)
        assert client.get(f"{django_settings.MEDIA_URL}{stored}").status_code == 404
