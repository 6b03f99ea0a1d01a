"""Who reads the reports: the central authority's staff and its auditors.

Prosecutors see their own authority's requests on the portal; trainees are left out
because a trainee's figures would count the whole instance, not their training copy.
"""

from __future__ import annotations

REPORT_READERS = ("admin", "supervisor", "caseworker", "auditor")
