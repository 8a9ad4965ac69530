"""Views over many runs: the runs table and compare."""
