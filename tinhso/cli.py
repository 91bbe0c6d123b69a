"""The ``tinhso`` command: Django's manage.py plus our own commands.

``tinhso migrate``, ``tinhso runserver`` ... work as with manage.py; our commands are
``tinhso units load``, ``tinhso audit verify``, ``tinhso calendar add``, ``tinhso worker``,
``tinhso demo`` and others (``tinhso help`` lists them all).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tinhso", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
