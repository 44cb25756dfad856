"""The PEP 517 backend of the root pyproject.toml, which pre-commit installs for the
binary reltag hooks.

It builds `reltag-pre-commit`, an empty package whose one requirement is the reltag wheel
pinned in action/pins.txt for the platform it is installed on: a direct URL with the
pinned sha256 (pip refuses a download with another digest). A revision that pins no
release, or no wheel for this platform, fails to install with a message that says what to
use instead. RELTAG_RELEASE_URL replaces the pinned download location (a mirror); the
digests stay the pinned ones.
"""

import base64
import hashlib
import os
import platform
import sys
import zipfile

NAME = "reltag_pre_commit"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PINS = os.path.join(ROOT, "action", "pins.txt")

# The release's wheels, by the platform tag maturin gives them: (sys.platform, machine).
PLATFORMS = [
    ("linux", "x86_64", lambda tag: "linux" in tag and tag.endswith("x86_64")),
    ("linux", "aarch64", lambda tag: "linux" in tag and tag.endswith("aarch64")),
    ("darwin", "x86_64", lambda tag: tag.startswith("macosx") and tag.endswith("x86_64")),
    ("darwin", "arm64", lambda tag: tag.startswith("macosx") and tag.endswith("arm64")),
    ("win32", "AMD64", lambda tag: tag == "win_amd64"),
]

USE_SOURCE = (
    "use the reltag-commit-msg-src and reltag-pre-push-src hooks (they build reltag with "
    "cargo), or a `rev:` that is a reltag release tag"
)


def _pins():
    version, url, wheels = None, None, []
    with open(PINS, encoding="utf-8") as pins:
        for line in pins:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if fields[0] == "version":
                version = fields[1]
            elif fields[0] == "url":
                url = fields[1]
            elif fields[0] == "sha256" and fields[2].endswith(".whl"):
                wheels.append((fields[2], fields[1]))
    return version, url, wheels


def _requirements():
    version, url, wheels = _pins()
    if version is None:
        raise RuntimeError(
            "this revision of reltag pins no release, so there is no prebuilt binary to "
            "install: " + USE_SOURCE
        )
    url = os.environ.get("RELTAG_RELEASE_URL") or url
    here = (sys.platform, platform.machine())
    requirements, runs_here = [], False
    for wheel, digest in wheels:
        tags = wheel[: -len(".whl")].split("-")[-1].split(".")
        for system, machine, matches in PLATFORMS:
            if any(matches(tag) for tag in tags):
                marker = f'sys_platform == "{system}" and platform_machine == "{machine}"'
                requirements.append(f"reltag @ {url}/{wheel}#sha256={digest} ; {marker}")
                runs_here = runs_here or here == (system, machine)
    if not runs_here:
        raise RuntimeError(
            f"reltag {version} has no prebuilt binary for {here[0]} on {here[1]}: " + USE_SOURCE
        )
    return version, requirements


def _metadata(version, requirements):
    lines = [
        "Metadata-Version: 2.1",
        "Name: reltag-pre-commit",
        f"Version: {version}",
        "Summary: The prebuilt reltag binary for the pre-commit hooks",
        "License: MIT OR Apache-2.0",
    ]
    lines += [f"Requires-Dist: {r}" for r in requirements]
    return "\n".join(lines) + "\n"


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version, requirements = _requirements()
    dist_info = f"{NAME}-{version}.dist-info"
    files = {
        f"{dist_info}/METADATA": _metadata(version, requirements).encode(),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: reltag_pre_commit\n"
            "Root-Is-Purelib: true\nTag: py3-none-any\n"
        ).encode(),
    }
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    name = f"{NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as wheel:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data, zipfile.ZIP_DEFLATED)
    return name
