from tests.replacement.conftest import field_officer  # noqa: F401 - shared fixture
