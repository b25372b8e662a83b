#!/usr/bin/env bash
# System tools the test suite uses as independent oracles: exiftool reads back every file we
# read or write. Installed with apt when missing (as root, or through sudo).
set -euo pipefail
need=()
command -v exiftool >/dev/null || need+=(libimage-exiftool-perl)
# The exported gallery is tested in a real browser (Playwright driving Debian's Chromium).
command -v chromium >/dev/null || need+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
# Qt's offscreen platform still needs a few X/GL client libraries on a bare Debian.
for lib in libEGL.so.1 libfontconfig.so.1 libxkbcommon.so.0 libGL.so.1 libdbus-1.so.3; do
  ldconfig -p 2>/dev/null | grep -q "$lib" || need+=("$lib")
done
[ ${#need[@]} -eq 0 ] && exit 0
pkgs=()
for item in "${need[@]}"; do
  case "$item" in
    libEGL.so.1) pkgs+=(libegl1) ;;
    libfontconfig.so.1) pkgs+=(libfontconfig1) ;;
    libxkbcommon.so.0) pkgs+=(libxkbcommon0) ;;
    libGL.so.1) pkgs+=(libgl1) ;;
    libdbus-1.so.3) pkgs+=(libdbus-1-3) ;;
    *) pkgs+=("$item") ;;
  esac
done
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
