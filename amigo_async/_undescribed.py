"""The tool repo operations the snapshot leaves out, written by hand in its own form.

The tool documents describe these operations in prose; their parameters and the body
of get-tool-repo-files are written here as the snapshot would write them, so the one
validation pass (`_validation`) reads them like every other operation. Their prose
rules (no blank ref or path, no NUL) are in `_rules`.
"""

from __future__ import annotations

from typing import Any

from ._spec import OPERATIONS
from .models.facts import MAX_FILE_PATHS

__all__ = ["UNDESCRIBED_OPERATIONS"]


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _paged(operation_id: str) -> list[dict[str, Any]]:
    paging = OPERATIONS[operation_id].paging
    cap = 0 if paging is None else paging.cap
    return [
        _query("limit", {"type": "integer", "minimum": 1, "maximum": cap}),
        _query("continuation_token", {"type": "integer"}),
    ]


_TEXT: dict[str, Any] = {"type": "string"}
_WHEN: dict[str, Any] = {"type": "string", "format": "date-time"}
_FLAG: dict[str, Any] = {"type": "boolean"}

UNDESCRIBED_OPERATIONS: dict[str, dict[str, Any]] = {
    "get-tool-repo-file-content": {"parameters": [_path("file_path"), _query("ref", _TEXT)]},
    "get-tool-repo-directory": {
        "parameters": [
            _path("directory_path"),
            _query("ref", _TEXT),
            _query("include_last_commit_info", _FLAG),
        ]
    },
    "get-tool-repo-files": {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file_paths": {
                                "type": "array",
                                "items": _TEXT,
                                "minItems": 1,
                                "maxItems": MAX_FILE_PATHS,
                            },
                            "ref": _TEXT,
                        },
                        "required": ["file_paths"],
                        "additionalProperties": False,
                    }
                }
            },
        }
    },
    "get-tool-repo-commits": {
        "parameters": [
            _query("ref", _TEXT),
            _query("path", _TEXT),
            _query("committed_on_or_after", _WHEN),
            _query("committed_on_or_before", _WHEN),
            _query("show_changed_files", _FLAG),
            _query("show_change_stats", _FLAG),
            *_paged("get-tool-repo-commits"),
        ]
    },
    "get-tool-repo-branch": {"parameters": [_path("branch_name")]},
    "get-tool-repo-branches": {"parameters": _paged("get-tool-repo-branches")},
}
"""operationId -> its operation object, as the snapshot would hold it."""
