from tests.deadlines.conftest import set_now  # noqa: F401  (fixture shared with deadlines)
from tests.workflow.conftest import authorities, ready_case, users  # noqa: F401  (requests in any state)
