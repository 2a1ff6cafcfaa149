"""Every file of the installed packages that git tracks is in the wheel: code, templates, migrations,
the knowledge base's YAML and tables, the gettext catalogs. `python .ci/check_wheel.py dist/minsheng-*.whl`"""

from __future__ import annotations

import subprocess
import sys
import zipfile

PACKAGES = ("bot", "handlers", "knowledge_base", "locales")


def main(wheel: str) -> int:
    tracked = subprocess.run(["git", "ls-files", "--", *PACKAGES], capture_output=True, text=True,
                             check=True).stdout.split()
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(set(tracked) - shipped)
    for path in missing:
        print(f"check_wheel: {path} is tracked but not in {wheel}", file=sys.stderr)
    print(f"check_wheel: {len(tracked) - len(missing)} of {len(tracked)} tracked package files are in the wheel")
    return 1 if missing or not tracked else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
