"""Documented facts of requests that the generated models do not hold as names.

Read by the client's checks and defaults, the scanner, the command line and the fake server.
"""

from __future__ import annotations

__all__ = [
    "BUMP_TYPES",
    "DEFAULT_API_KEY_ROLE",
    "INVOCATION_MODES",
    "INVOCATION_SOURCE_TYPES",
    "MAX_FILE_PATHS",
    "MAX_INPUTS",
    "MAX_TAGS",
    "MAX_USER_VARIABLES",
    "QUERY_AGAINST_FIELDS",
]

BUMP_TYPES = ("major", "minor", "patch")
MAX_INPUTS = 10  # test-tool and invoke-tool-version take 1-10 inputs
MAX_TAGS = 20  # create-tool / modify-tool: at most 20 tags
MAX_USER_VARIABLES = 20  # per kind, per input
MAX_FILE_PATHS = 5  # get-tool-repo-files: 1-5 paths
INVOCATION_MODES = ("regular", "conversation-simulation")
INVOCATION_SOURCE_TYPES = ("regular-conversation", "simulation-conversation")
QUERY_AGAINST_FIELDS = (
    "invocation_status.exception_message",
    "invocation_status.exception_type",
    "invocation_status.exception_stack_trace",
    "invocation_status.output",
)

DEFAULT_API_KEY_ROLE = "DefaultAdministratorRole"
"""The role a new API key gets when none is named."""
