"""core.images: photos and scans are judged from their header, before any pixel is decoded."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from meterops.core.errors import FileRejected
from meterops.core.images import check_image, check_scan
from tests.core.image_files import huge_jpeg, huge_png


def photo(size=(640, 480), kind="JPEG", name="foto.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def no_decoding(monkeypatch):
    """Any decoding of pixels fails the test: the check must work from the header alone."""

    def refuse(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)


class CheckImageTests:
    def test_reads_kind_and_size_of_a_jpeg_and_a_png(self, no_decoding):
        jpeg = check_image(photo(), field="photo")
        png = check_image(photo((50, 40), "PNG", "foto.png"), field="photo")
        assert (jpeg.kind, jpeg.width, jpeg.height, jpeg.content_type) == (
            "JPEG",
            640,
            480,
            "image/jpeg",
        )
        assert (png.kind, png.width, png.height) == ("PNG", 50, 40)

    def test_refuses_a_12000_square_png_from_its_header(self, no_decoding):
        with pytest.raises(FileRejected) as refused:
            check_image(huge_png(12000, 12000), field="photo", label="Foto kWh meter")
        message = str(refused.value.message)
        assert message.startswith('Foto kWh meter "besar.png" terlalu besar: 12000×12000 piksel')
        assert "maksimum 10.000 piksel per sisi dan 50.000.000 piksel" in message
        assert refused.value.field == "photo"

    def test_refuses_a_20000_square_png_with_its_size_not_pillows_bomb_error(self, no_decoding):
        with pytest.raises(FileRejected, match="20000×20000 piksel"):
            check_image(huge_png(20000, 20000), field="file")

    def test_refuses_a_jpeg_declaring_too_many_pixels(self, no_decoding):
        with pytest.raises(FileRejected, match="12000×12000 piksel"):
            check_image(huge_jpeg(12000, 12000), field="photo")

    def test_limits_come_from_settings(self, settings, no_decoding):
        settings.IMAGE_MAX_SIDE, settings.IMAGE_MAX_PIXELS = 1000, 200_000
        check_image(photo((400, 400)), field="photo")
        with pytest.raises(FileRejected, match="1200×100 piksel"):
            check_image(photo((1200, 100)), field="photo")  # one side too long
        with pytest.raises(FileRejected, match="500×500 piksel"):
            check_image(photo((500, 500)), field="photo")  # too many pixels in all

    def test_refuses_too_many_bytes(self, settings):
        settings.MEDIA_UPLOAD_MAX_BYTES = 2**19
        scan = SimpleUploadedFile("ba.pdf", b"%PDF-1.4\n" + b"0" * 600_000)
        with pytest.raises(
            FileRejected, match=r'"ba.pdf" terlalu besar \(0,6 MB\); maksimal 0,5 MB'
        ):
            check_scan(scan, field="report_scan")

    def test_refuses_a_gif_or_text_named_jpg(self):
        for content in (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", b"<html>foto</html>"):
            with pytest.raises(FileRejected, match=r'Foto "x\.jpg" bukan foto JPEG/PNG'):
                check_image(SimpleUploadedFile("x.jpg", content), field="photo")

    def test_refuses_a_broken_header(self):
        with pytest.raises(FileRejected, match="bukan foto JPEG/PNG"):
            check_image(SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\nrusak"), field="photo")

    def test_pillows_own_guard_is_at_the_same_limit(self):
        assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS


class CheckScanTests:
    def test_a_pdf_or_a_jpeg_scan_is_accepted(self):
        pdf = SimpleUploadedFile("ba.pdf", b"%PDF-1.4\n%%EOF\n")
        assert check_scan(pdf, field="report_scan").content_type == "application/pdf"
        assert check_scan(photo(), field="report_scan").content_type == "image/jpeg"

    def test_anything_else_is_refused_naming_the_field(self):
        with pytest.raises(FileRejected) as refused:
            check_scan(
                SimpleUploadedFile("ba.pdf", b"<html>bukan</html>"),
                field="report_scan",
                label="Scan BA pasang",
            )
        assert str(refused.value.message) == (
            'Scan BA pasang "ba.pdf" harus PDF atau JPEG hasil pindai.'
        )
        assert refused.value.field == "report_scan"

    def test_a_jpeg_scan_is_held_to_the_photo_limits(self, no_decoding):
        with pytest.raises(FileRejected, match="12000×12000 piksel"):
            check_scan(huge_jpeg(), field="document")
