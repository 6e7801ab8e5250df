"""`prognosis rules`: tools for the people who write and review rule sets."""

from __future__ import annotations

import click

from .rules_check import check_command
from .rules_diff import diff_command
from .rules_edit import edit_command
from .rules_list import list_command, show_command
from .rules_new import new_command
from .rules_schema import schema_command
from .rules_test import test_command


@click.group("rules")
def rules() -> None:
    """Check, test, list, show, create, edit and diff rule sets."""


for command in (check_command, test_command, list_command, show_command, new_command,
                edit_command, diff_command, schema_command):
    rules.add_command(command)
