"""The translation catalogs, compiled where they are read.

The .po files are the source (committed); the .mo files Babel reads are built from them and not
committed. `make run` and `make test` compile them, but an app started any other way (`flask run`,
gunicorn by hand, a deployment script) would otherwise show every page in English without a word.
So the app compiles a catalog that is missing or older than its .po when it starts.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)


def compile_stale_catalogs(directory: Path) -> list[Path]:
    """Compile each LC_MESSAGES/messages.po under `directory` whose .mo is missing or older; the .mo files
    written. A catalog that cannot be written (a read-only install) is logged, not fatal."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name)
            partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.partial")  # one per worker starting
            with partial.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            partial.replace(mo_path)  # whole or not at all: another worker may be reading it
            written.append(mo_path)
        except OSError as error:
            log.warning("Could not compile %s (pages will fall back to English): %s", po_path, error)
    return written
