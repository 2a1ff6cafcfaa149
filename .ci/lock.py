"""Prints .ci/constraints.txt: every package `pip install -e ".[test]"` brings in, pinned to the version
installed here. Run it in an environment where CI passes: `python .ci/lock.py > .ci/constraints.txt`."""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT, EXTRAS = "minsheng", ("test",)


def closure() -> dict[str, tuple[str, str]]:
    """Canonical name → (name, installed version) for the project's dependencies with EXTRAS, recursively."""
    found: dict[str, tuple[str, str]] = {}
    wanted: list[tuple[str, tuple[str, ...]]] = [(PROJECT, EXTRAS)]
    done: set[tuple[str, tuple[str, ...]]] = set()
    while wanted:
        name, extras = wanted.pop()
        if (canonicalize_name(name), extras) in done:
            continue
        done.add((canonicalize_name(name), extras))
        dist = metadata.distribution(name)
        found[canonicalize_name(name)] = (dist.metadata["Name"], dist.version)
        for raw in dist.requires or []:
            requirement = Requirement(raw)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in ("", *extras)):
                wanted.append((requirement.name, tuple(sorted(requirement.extras))))
    found.pop(canonicalize_name(PROJECT))
    return found


if __name__ == "__main__":
    print("# What CI installs, pinned to versions that pass. After upgrading on purpose (pip install -U …,")
    print("# then the whole of `bash .ci/run`): python .ci/lock.py > .ci/constraints.txt")
    for name, version in sorted(closure().values(), key=lambda nv: nv[0].lower()):
        print(f"{name}=={version}")
