"""TGL_BACA of an uploaded reading: read in the unit's zone, or refused with a message."""

from meterops.reading.importer import check_read_at, parse_read_at


class ReadAtTests:
    def test_a_time_without_zone_is_the_units_local_time(self):
        read_at = parse_read_at("2026-02-15 08:30", "Asia/Makassar")
        assert read_at.utcoffset().total_seconds() == 8 * 3600
        assert (read_at.day, read_at.hour, read_at.minute) == (15, 8, 30)

    def test_the_other_formats_of_the_template_are_read(self):
        assert parse_read_at("15/02/2026 08:30", "Asia/Jakarta").month == 2
        assert parse_read_at("15-02-2026 08:30", "Asia/Jakarta").month == 2

    def test_an_unreadable_date_names_an_example(self):
        assert "2026-01-15 08:30" in check_read_at("kemarin")
        assert check_read_at("2026-02-15 08:30:00") is None
