"""Run the benchmarks: ``python -m bench [name ...]``.

Each module ``bench/<name>.py`` exposes ``run() -> list[Result]`` and measures against a baseline
in the same run (the same work done naively, or a bare Django operation), so the figures compare
on the same machine at the same moment. Benchmarks use a throwaway database of their own.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import tempfile
from pathlib import Path

MODULES = ["core"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def main(argv: list[str]) -> None:
    names = argv or MODULES
    workdir = tempfile.mkdtemp(prefix="tinhso-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.db import connection

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor}")
    print()
    print("| benchmark | tinhso | baseline | ratio |")
    print("|---|---|---|---|")
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            print(result.row())


if __name__ == "__main__":
    main(sys.argv[1:])
