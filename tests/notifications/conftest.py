from tests.deadlines.conftest import set_now  # noqa: F401  (fixture shared with deadlines)
