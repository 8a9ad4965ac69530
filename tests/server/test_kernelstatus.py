"""Kernel subshell requests stay out of the kernel's displayed state (py_tracker.server.kernelstatus).

The browser test that shows what the user sees is tests/e2e/test_notebook_size.py
(`test_kernel_reads_busy_while_a_tracked_cell_runs`); these check the server's settings."""
from __future__ import annotations

from py_tracker.server.kernelstatus import SUBSHELL_MESSAGES, untrack_subshell_requests


def test_the_extension_adds_the_subshell_requests_to_the_untracked_types(jp_serverapp):
    types = list(jp_serverapp.kernel_manager.untracked_message_types)
    assert all(m in types for m in SUBSHELL_MESSAGES)
    assert "kernel_info_request" in types and "debug_request" in types  # the defaults are kept
    assert len(types) == len(set(types))


def test_a_page_config_copied_before_the_extension_loaded_is_updated(jp_serverapp):
    """JupyterLab copies the list into the page config when it initializes its settings; when
    that ran first, the copy is updated too (it is what the page reads), once per type."""
    settings = jp_serverapp.web_app.settings.setdefault("page_config_data", {})
    settings["untracked_message_types"] = ["kernel_info_request"]
    jp_serverapp.kernel_manager.untracked_message_types = ["kernel_info_request", "create_subshell_request"]
    merged = untrack_subshell_requests(jp_serverapp)
    assert merged == ["kernel_info_request", *SUBSHELL_MESSAGES]
    assert settings["untracked_message_types"] == merged
    assert untrack_subshell_requests(jp_serverapp) == merged  # idempotent
