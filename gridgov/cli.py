"""The `gridgov` command: Django's manage.py under the project's own name.

`gridgov demo`, `gridgov serve`, `gridgov import-regions …`: a dashed name is the
management command with underscores.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    argv = list(sys.argv if argv is None else argv)
    # The command name, and the one after `help`, may be written with dashes.
    for position in (1, 2) if argv[1:2] == ["help"] else (1,):
        if len(argv) > position and not argv[position].startswith("-"):
            argv[position] = argv[position].replace("-", "_")
    argv[0] = "gridgov"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
