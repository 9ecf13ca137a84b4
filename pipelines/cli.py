"""The ``terbuka`` command line: the group, and one line per command.

Each command is a small module in :mod:`terbuka.pipelines.commands`; shared options and
helpers are in :mod:`.commands.options`. Exit codes are the same for every command (the
table is in :mod:`.errors` and in every command's ``--help``). Anything that goes wrong
is one line on stderr that names the file, and the row and column where known; every
line and JSON document the commands print passes through :func:`echo`, which scrubs
secrets.
"""

from __future__ import annotations

import json
import signal
import sys
from typing import Any

import click

from .commands.options import DEFAULT_SITE, Command, echo
from .errors import (
    EXIT_BAD_INPUT,
    EXIT_CODES_HELP,
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    disk_full_message,
    write_traceback,
)

__all__ = ["DEFAULT_SITE", "cli", "echo"]


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class Group(click.Group):
    """Lists commands in definition order; every failure becomes one line and an exit code.

    Known errors carry their code (2 bad input, 3 environment …); a full disk is 3 with
    the device and the file; anything else is a bug: 4, with the traceback in a file.
    """

    command_class = Command

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: D102
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:  # noqa: D102
        from terbuka.metadata import DescriptorError

        from .errors import TerbukaError

        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            if "--json" in sys.argv[1:]:
                # The --json contract holds even when the command line itself is wrong.
                echo(
                    json.dumps(
                        {
                            "status": "failed",
                            "error": error.format_message(),
                            "exit_code": EXIT_BAD_INPUT,
                        }
                    )
                )
            raise
        except (TerbukaError, DescriptorError) as error:
            echo(f"Error: {error}", err=True)
            sys.exit(getattr(error, "exit_code", EXIT_BAD_INPUT))
        except (
            click.ClickException,
            click.exceptions.Exit,
            click.Abort,
            SystemExit,
            KeyboardInterrupt,
        ):
            raise
        except Exception as error:
            full = disk_full_message(error)
            if full:
                echo(f"Error: {full}", err=True)
                sys.exit(EXIT_ENVIRONMENT)
            log = write_traceback(None, "terbuka")
            echo(f"Error: internal error: {type(error).__name__} (traceback in {log})", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=Group, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="terbuka")
def cli() -> None:
    """terbuka: publish procurement, budget and service data as open datasets.

    Pipelines pull the source data, Presidio strips personal data, Frictionless and
    Great Expectations check quality, and the result is published as licensed datasets
    through Datasette and CKAN.
    """
    signal.signal(signal.SIGTERM, _terminate)


def _register() -> None:
    """Each command module, added in the order ``terbuka --help`` lists them."""
    from .commands import (
        demo,
        due,
        feedback,
        plugins,
        publish,
        pull,
        redact,
        run,
        scan,
        serve,
        withdraw,
    )
    from .steward import init_command

    cli.add_command(run.run)
    cli.add_command(serve.serve)
    cli.add_command(demo.demo)
    cli.add_command(pull.pull)
    cli.add_command(due.due_command)
    cli.add_command(publish.publish)
    cli.add_command(feedback.feedback)
    cli.add_command(redact.redact)
    cli.add_command(scan.scan)
    cli.add_command(plugins.plugins_command)
    cli.add_command(withdraw.withdraw)
    cli.add_command(init_command)


_register()
