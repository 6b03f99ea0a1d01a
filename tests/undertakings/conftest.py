"""The workflow tests' factories (a request in any state, ready for every guard) and the
deadline tests' frozen clock."""

from tests.deadlines.conftest import set_now  # noqa: F401
from tests.workflow.conftest import authorities, ready_case, users  # noqa: F401
