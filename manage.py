#!/usr/bin/env python
"""Kept for tools that expect manage.py; ``tinhso`` is the same command."""

from tinhso.cli import main

if __name__ == "__main__":
    main()
