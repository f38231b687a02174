"""The ways to install the course agree with each other and with pyproject.toml.

pyproject.toml keeps bounds; constraints.txt records the tested versions that
`make` and CI install; environment.yml (conda) names the same packages with the
same bounds; binder/ (repo2docker) pins the course packages to the tested
versions. TensorFlow is ``tensorflow-cpu`` on Linux x86-64 and ``tensorflow``
elsewhere, by environment markers, so each file is read for the platforms it
serves.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

LINUX_X86 = {"sys_platform": "linux", "platform_machine": "x86_64"}
MACOS_ARM = {"sys_platform": "darwin", "platform_machine": "arm64"}
PLATFORMS = {"linux-x86_64": LINUX_X86, "macos-arm64": MACOS_ARM}


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)


def _runtime_requirements() -> list[Requirement]:
    return [Requirement(r) for r in _pyproject()["project"]["dependencies"]]


def _test_requirements() -> list[Requirement]:
    extras = _pyproject()["project"]["optional-dependencies"]
    return [Requirement(r) for r in extras["test"]]


def _applies(requirement: Requirement, platform: dict[str, str]) -> bool:
    if requirement.marker is None:
        return True
    environment = {**default_environment(), "python_version": "3.11", **platform}
    return requirement.marker.evaluate(environment)


def _key(requirement: Requirement) -> tuple[str, str, str]:
    """Name, bounds and marker, normalized so that spelling does not matter."""
    return (
        canonicalize_name(requirement.name),
        str(SpecifierSet(str(requirement.specifier))),
        str(requirement.marker or ""),
    )


def _requirement_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def _pins(path: Path) -> dict[tuple[str, str], str]:
    """``(name, platform) -> version`` pinned by a requirements/constraints file."""
    pins = {}
    for line in _requirement_lines(path):
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{path.name}: '{line}' should pin one exact version (name==version)"
        )
        for platform, environment in PLATFORMS.items():
            if _applies(requirement, environment):
                name = canonicalize_name(requirement.name)
                pins[(name, platform)] = specifiers[0].version
    return pins


def test_pyproject_keeps_bounds_not_pins():
    problems = []
    for requirement in _runtime_requirements():
        operators = {s.operator for s in requirement.specifier}
        if "==" in operators or "===" in operators:
            problems.append(f"{requirement}: pin in constraints.txt, not here")
        if not operators & {">=", ">", "~="} or not operators & {"<", "~="}:
            problems.append(f"{requirement}: give a lower and an upper bound")
    for requirement in _test_requirements():
        if {s.operator for s in requirement.specifier} & {"==", "==="}:
            problems.append(f"{requirement}: pin in constraints.txt, not here")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_constraints_pin_every_course_package_within_its_bounds(platform):
    pins = _pins(ROOT / "constraints.txt")
    problems = []
    for requirement in _runtime_requirements() + _test_requirements():
        if not _applies(requirement, PLATFORMS[platform]):
            continue
        name = canonicalize_name(requirement.name)
        version = pins.get((name, platform))
        if version is None:
            problems.append(f"{name} is not pinned for {platform}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name}=={version} is outside {requirement.specifier}")
    assert not problems, "constraints.txt:\n" + "\n".join(problems)


def test_constraints_file_is_the_recorded_freeze():
    text = (ROOT / "constraints.txt").read_text()
    names = {n for n, _ in _pins(ROOT / "constraints.txt")}
    assert "bdl-helpers" not in names, "constraints.txt must not pin the course itself"
    assert "make constraints" in text, "say in a comment how to regenerate the file"
    # the environment the tests run in is the recorded one (when installed by make)
    if os.environ.get("CI"):
        from importlib.metadata import version

        for requirement in _runtime_requirements() + _test_requirements():
            if _applies(requirement, LINUX_X86) and requirement.marker is None:
                name = canonicalize_name(requirement.name)
                pinned = _pins(ROOT / "constraints.txt")[(name, "linux-x86_64")]
                assert version(requirement.name) == pinned, (
                    f"{name}: installed {version(requirement.name)}, "
                    f"constraints.txt says {pinned}"
                )


def test_environment_yml_names_the_same_packages_and_bounds():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    conda = [d for d in dependencies if isinstance(d, str)]
    pip_sections = [
        d["pip"] for d in dependencies if isinstance(d, dict) and "pip" in d
    ]
    assert len(pip_sections) == 1, "environment.yml needs one `- pip:` section"
    pip_lines = pip_sections[0]

    python = [d for d in conda if d.replace(" ", "").startswith("python=")]
    assert python, "environment.yml must pin python=3.11 (or newer)"
    python_version = python[0].replace(" ", "").split("=", 1)[1]
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert requires.contains(python_version + ".0"), (
        f"python={python_version} does not meet requires-python {requires}"
    )
    assert "pip" in conda, "environment.yml must install pip"
    assert "-e ." in pip_lines, "environment.yml's pip section must install `-e .`"

    listed = {_key(Requirement(line)) for line in pip_lines if line != "-e ."}
    expected = {_key(r) for r in _runtime_requirements() + _test_requirements()}
    assert listed == expected, (
        f"only in environment.yml: {sorted(listed - expected)}\n"
        f"only in pyproject.toml: {sorted(expected - listed)}"
    )


def test_binder_pins_the_tested_course_packages():
    binder = ROOT / "binder"
    pins = _pins(binder / "requirements.txt")
    tested = _pins(ROOT / "constraints.txt")
    platform = "linux-x86_64"  # what Binder runs
    needed = {
        canonicalize_name(r.name): r
        for r in _runtime_requirements()
        if _applies(r, LINUX_X86)
    }
    problems = []
    for name, requirement in needed.items():
        version = pins.get((name, platform))
        if version is None:
            problems.append(f"{name} is missing")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{name}=={version} is outside {requirement.specifier}")
        elif tested.get((name, platform)) != version:
            recorded = tested.get((name, platform))
            problems.append(f"{name}=={version}, but constraints.txt has {recorded}")
    extra = {name for name, _ in pins} - set(needed)
    if extra:
        problems.append(f"not course dependencies in pyproject.toml: {sorted(extra)}")
    assert not problems, "binder/requirements.txt:\n" + "\n".join(problems)


def test_binder_installs_the_package_on_python_3_11():
    binder = ROOT / "binder"
    runtime = (binder / "runtime.txt").read_text().strip()
    assert runtime.startswith("python-"), "binder/runtime.txt: e.g. python-3.11"
    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    assert requires.contains(runtime.removeprefix("python-") + ".0")

    post_build = binder / "postBuild"
    assert os.access(post_build, os.X_OK), "binder/postBuild must be executable"
    assert "pip install --no-cache-dir --no-deps -e ." in post_build.read_text()


def test_pinned_versions_install_on_every_supported_python():
    """No pin may need a newer Python than requires-python promises (say 3.11.0).

    Debian 12's python3 is 3.11.2: a pin that needs >=3.11.5 breaks `make` there.
    Checked on the installed distributions that are the pinned versions.
    """
    from importlib.metadata import distributions

    requires = SpecifierSet(_pyproject()["project"]["requires-python"])
    oldest = min(
        (f"3.{minor}.0" for minor in range(8, 30) if requires.contains(f"3.{minor}.0")),
        key=lambda v: tuple(int(p) for p in v.split(".")),
    )
    pins = _pins(ROOT / "constraints.txt")
    problems = []
    for dist in distributions():
        name = canonicalize_name(dist.metadata["Name"])
        needs = dist.metadata.get("Requires-Python")
        if pins.get((name, "linux-x86_64")) != dist.version or not needs:
            continue
        if not SpecifierSet(needs).contains(oldest):
            problems.append(
                f"{name}=={dist.version} needs Python {needs}: pin the newest version "
                f"that installs on Python {oldest} in constraints.txt"
            )
    assert not problems, "\n".join(problems)


def test_learners_see_no_instructor_tools():
    import json

    def config(audience: str, name: str) -> dict:
        return json.loads((ROOT / "jupyter-config" / audience / name).read_text())

    learner = config("learner", "labconfig/page_config.json")["disabledExtensions"]
    for plugin in ("formgrader", "create-assignment", "course-list", "assignment-list"):
        assert learner.get(f"@jupyter/nbgrader:{plugin}"), plugin
    assert "@jupyter/nbgrader:validate-assignment" not in learner
    servers = config("learner", "jupyter_server_config.json")["ServerApp"]
    assert (
        servers["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    )
    instructor = config("instructor", "labconfig/page_config.json")[
        "disabledExtensions"
    ]
    assert "@jupyter/nbgrader:formgrader" not in instructor
    makefile = (ROOT / "Makefile").read_text()
    assert (
        "jupyter-config/learner" in makefile and "jupyter-config/instructor" in makefile
    )
    assert "jupyter-config/learner" in (ROOT / "binder" / "postBuild").read_text()
