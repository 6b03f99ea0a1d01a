from tests.test_migrations import _migrations_postgres_url, empty_app  # noqa: F401  (fixtures)
