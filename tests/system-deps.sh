#!/usr/bin/env bash
# Installs the Debian packages the tests drive for real: Chromium (browser tests), poppler-utils
# (pdftotext/pdftoppm), PostgreSQL 15 (the second database run), haproxy (the TLS proxy of SEC-27),
# openssl (its throwaway certificate), the Noto fonts handouts print names in any script with
# (fonts-noto-core: Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, symbols; fonts-noto-cjk:
# Chinese, Japanese, Korean). Only what is missing; only as root.
# Also, if it can, Chromium's headless shell (the same Chromium without the full browser's window machinery;
# the browser tests use about 40 % less CPU with it, and run on the full Chromium without it).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
fc-list 2>/dev/null | grep -i dejavu >/dev/null || missing+=(fonts-dejavu-core)
fc-list 2>/dev/null | grep "Noto Sans Arabic" >/dev/null || missing+=(fonts-noto-core)
fc-list 2>/dev/null | grep "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
optional=()
command -v chromium-headless-shell >/dev/null 2>&1 || optional+=(chromium-headless-shell)
if ((${#missing[@]} + ${#optional[@]} == 0)); then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  if ((${#missing[@]} > 0)); then
    echo "Missing Debian packages: ${missing[*]}. Install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "Browser tests run on the full Chromium; as root, apt-get install ${optional[*]} makes them quicker." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]} > 0)); then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ((${#optional[@]} > 0)); then
  echo "Installing Debian packages if available: ${optional[*]}"
  { ((${#missing[@]} > 0)) || apt-get update -qq; } \
    && apt-get install -y -qq --no-install-recommends "${optional[@]}" >/dev/null \
    || echo "Could not install ${optional[*]}: the browser tests run on the full Chromium." >&2
fi
