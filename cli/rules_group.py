"""`prognosis rules`: tools for the people who write and review rule sets."""

from __future__ import annotations

import click

from .lazy import LazyGroup


@click.group("rules", cls=LazyGroup, lazy={
    "check": ".rules_check:check_command",
    "test": ".rules_test:test_command",
    "examples": ".rules_examples:examples_command",
    "list": ".rules_list:list_command",
    "show": ".rules_list:show_command",
    "new": ".rules_new:new_command",
    "edit": ".rules_edit:edit_command",
    "diff": ".rules_diff:diff_command",
    "schema": ".rules_schema:schema_command",
})
def rules() -> None:
    """Check, test, list, show, create, edit and diff rule sets."""
