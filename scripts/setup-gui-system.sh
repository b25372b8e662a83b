#!/usr/bin/env bash
# The X11 client libraries Qt's xcb platform plugin loads to open a real window. Desktops with
# other Qt 6 apps have them; a minimal Debian with a display may not (Qt then refuses to start:
# "xcb-cursor0 or libxcb-cursor0 is needed"). Installed with apt when missing, as root or
# through sudo; elsewhere (macOS, other distributions) this only says what is missing.
set -euo pipefail
packages=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
  libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1
  libfontconfig1 libdbus-1-3)
command -v dpkg-query >/dev/null || exit 0
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "The desktop app needs these packages: ${missing[*]} (apt-get install them as root)" >&2
    exit 1
  fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
