#!/usr/bin/env bash
# Installs what the end-to-end tests need to drive a real VS Code, on a fresh Debian machine:
#   - Debian's chromium (Playwright drives it; no browser download) and ripgrep;
#   - the headers code-server's native modules compile against (kerberos, native-keymap, keytar);
#   - code-server 4.100.3 (VS Code 1.100.3 with the real extension host) into .cache/code-server,
#     outside the project's dependencies: it is a 300 MB test tool.
# Idempotent and quiet when everything is in place. apt runs only as root; otherwise missing
# packages are reported and the script fails.
set -euo pipefail
cd "$(dirname "$0")/../.."

CODE_SERVER_VERSION=4.100.3
CACHE="${PRODLIKE_E2E_CACHE:-$PWD/.cache/code-server}"
APT_PACKAGES=(chromium ripgrep libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config build-essential python3)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "e2e setup: apt-get install ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A lock held by another apt run (CI's own step, a teammate's setup) is waited for, not fought.
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "e2e setup: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
fi

if [ -x "$CACHE/node_modules/.bin/code-server" ] && [ -f "$CACHE/.installed-$CODE_SERVER_VERSION" ]; then
  exit 0
fi

# code-server's bundled @vscode/ripgrep downloads rg from GitHub in its postinstall, unless an
# archive of the expected name is already in its cache folder: give it Debian's rg.
rgcache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
mkdir -p "$rgcache/x"
cp "$(command -v rg)" "$rgcache/x/rg"
tar czf "$rgcache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$rgcache/x" rg

echo "e2e setup: installing code-server $CODE_SERVER_VERSION into $CACHE (a minute or more)" >&2
mkdir -p "$CACHE"
[ -f "$CACHE/package.json" ] || echo '{"name":"prodlike-e2e-code-server","private":true}' > "$CACHE/package.json"
npm_config_yes=true npm_config_unsafe_perm=true npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error \
  "code-server@$CODE_SERVER_VERSION" >&2
touch "$CACHE/.installed-$CODE_SERVER_VERSION"
