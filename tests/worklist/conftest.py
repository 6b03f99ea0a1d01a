"""Fixtures the request list exports' tests share with the portal's."""

from tests.worklist.export_support import small_batches, west_home  # noqa: F401 (fixtures)
