"""``python -m tests.server.cli_main --config X serve|worker ...``: the CLI with the test backends registered."""

from __future__ import annotations

import sys

from tests.jobs.helpers import register_test_backends

register_test_backends()

from reelforge.cli import app  # noqa: E402

app(sys.argv[1:], prog_name="reelforge")
