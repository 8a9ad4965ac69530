"""The kernel indicator while a tracked cell runs: subshell requests are not the kernel's state.

JupyterLab 4.6 sends widget comms over kernel subshells (JEP 91): when the first widget of a
cell opens its comm, it sends `create_subshell_request` on the control channel. ipykernel
publishes busy/idle for every control request, and JupyterLab's kernel connection takes every
iopub status as the kernel's state unless the request it answers is one of the page's
`untracked_message_types`. That list comes from jupyter_server's
`MappingKernelManager.untracked_message_types`, whose help says it "should be a superset of the
message types sent on any channel other than the shell channel"; its default predates
subshells and leaves them out. So the control request's idle, published while the cell still
runs, turned the indicator to Idle for the rest of the cell (and counted as user activity
for kernel culling).

`untrack_subshell_requests` adds the subshell requests and replies to that list, on the kernel
manager and, when JupyterLab has already copied it there, in the page config: the shell's
busy/idle then drives the indicator again. Nothing else about status handling changes.
"""
from __future__ import annotations

from typing import Any

SUBSHELL_MESSAGES = ("create_subshell_request", "create_subshell_reply", "delete_subshell_request",
                     "delete_subshell_reply", "list_subshell_request", "list_subshell_reply")


def untrack_subshell_requests(server_app: Any) -> list[str]:
    """Add `SUBSHELL_MESSAGES` to the server's untracked message types (kept in order, once);
    returns the list now in force, or [] when the kernel manager has no such setting."""
    manager = getattr(server_app, "kernel_manager", None)
    current = getattr(manager, "untracked_message_types", None)
    if current is None:
        return []
    merged = list(current) + [m for m in SUBSHELL_MESSAGES if m not in current]
    manager.untracked_message_types = merged
    page = getattr(server_app, "web_app", None)
    page_config = page.settings.get("page_config_data") if page is not None else None
    if isinstance(page_config, dict) and "untracked_message_types" in page_config:
        page_config["untracked_message_types"] = list(merged)
    return merged
