"""Gettext catalogs (Babel): messages.pot and <lang>/LC_MESSAGES/messages.po and .mo.

A package so that the catalogs install with the code (a wheel, ``pip install .``), not only from
a checkout; ``CATALOGS`` is where they are, wherever that is.
"""

from pathlib import Path

CATALOGS = Path(__file__).resolve().parent
