#!/usr/bin/env bash
# Installs what the editor tests (test/editor/) need: Chromium from Debian and code-server
# 4.100.3 (VS Code 1.100.3) in a cache folder outside the repository. Safe to run again:
# each step checks what is already there and prints one line.
#
#   scripts/install-editor-tools.sh
#
# Environment:
#   SYNCED_VIEWS_CODE_SERVER_DIR  npm prefix for code-server
#                                 (default: $HOME/.cache/synced-views/code-server-4.100.3)
#
# Runs as root on Debian 12 (it calls apt-get). code-server 4.100.3 is the newest release
# that runs on Node 20; later releases require Node 22 or newer.

set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep 1.15.11 is the version in code-server 4.100.3's lib/vscode. Its postinstall
# downloads ripgrep v13.0.0-10 from GitHub unless the tarball is already in its cache folder.
RIPGREP_PACKAGE_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
CODE_SERVER_DIR="${SYNCED_VIEWS_CODE_SERVER_DIR:-$HOME/.cache/synced-views/code-server-$CODE_SERVER_VERSION}"
CODE_SERVER_ENTRY="$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"

export DEBIAN_FRONTEND=noninteractive

fail() {
  echo "install-editor-tools: error: $*" >&2
  exit 1
}

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# libkrb5-dev builds code-server's kerberos module, g++/make/python3 are node-gyp's tools,
# ripgrep replaces the ripgrep download and chromium drives the workbench.
install_system_packages() {
  local missing=()
  local package
  for package in libkrb5-dev g++ make python3 ripgrep chromium; do
    is_installed "$package" || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-editor-tools: apt packages already installed"
    return
  fi
  [ "$(id -u)" -eq 0 ] || fail "apt packages ${missing[*]} are missing and installing them needs root."
  echo "install-editor-tools: installing apt packages: ${missing[*]}"
  local log
  log="$(mktemp)"
  if ! { apt-get -qq update && apt-get -qq install -y "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    fail "apt-get install ${missing[*]} failed; the output above is the end of its log."
  fi
  rm -f "$log"
  [ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing after installing the chromium package."
  [ -x /usr/bin/rg ] || fail "/usr/bin/rg is missing after installing the ripgrep package."
}

# Besides the entry script, checks two files that only the install scripts create: the
# unpacked rg and the native node-pty build.
code_server_is_installed() {
  local vscode_modules="$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/node_modules"
  [ -f "$CODE_SERVER_ENTRY" ] || return 1
  [ -x "$vscode_modules/@vscode/ripgrep/bin/rg" ] || return 1
  [ -f "$vscode_modules/node-pty/build/Release/pty.node" ] || return 1
  local version
  version="$(node -p "require('$CODE_SERVER_DIR/node_modules/code-server/package.json').version" 2>/dev/null)" || return 1
  [ "$version" = "$CODE_SERVER_VERSION" ]
}

install_code_server() {
  if code_server_is_installed; then
    echo "install-editor-tools: code-server $CODE_SERVER_VERSION already installed in $CODE_SERVER_DIR"
    return
  fi
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$node_major" -eq 20 ] || fail "code-server $CODE_SERVER_VERSION requires Node.js 20, found $(node --version)."

  echo "install-editor-tools: installing code-server $CODE_SERVER_VERSION in $CODE_SERVER_DIR (about a minute)"
  local started=$SECONDS
  local work
  work="$(mktemp -d)"
  # A half-finished earlier install leaves packages behind that npm would not rebuild.
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR" "$work/tmp/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION"
  # @vscode/ripgrep's postinstall looks for its download in $TMPDIR/vscode-ripgrep-cache-VERSION/
  # and unpacks `rg` from the top level of the tarball, so Debian's rg goes in its place.
  tar -czf "$work/tmp/vscode-ripgrep-cache-$RIPGREP_PACKAGE_VERSION/$RIPGREP_ASSET" -C /usr/bin rg

  # npm 11 skips dependency install scripts that no allowScripts policy approves, but
  # code-server needs its own postinstall (which runs `npm install` in lib/vscode) and the
  # native builds of node-pty, kerberos, @vscode/spdlog, @parcel/watcher and others. An
  # allow-list does not work here: npm exports a configured allow-scripts to its scripts'
  # environment, and the nested `npm install` then fails with EALLOWSCRIPTS. So this one
  # install of a pinned, shrinkwrapped package runs all its install scripts, as npm 10 does.
  local log="$work/npm-install.log"
  local status=0
  # code-server's postinstall refuses to run as root unless npm_config_unsafe_perm is true.
  TMPDIR="$work/tmp" \
    npm_config_dangerously_allow_all_scripts=true \
    npm_config_unsafe_perm=true \
    npm_config_yes=true \
    npm install --prefix "$CODE_SERVER_DIR" --no-audit --no-fund --no-update-notifier \
    "code-server@$CODE_SERVER_VERSION" >"$log" 2>&1 || status=$?
  if [ "$status" -ne 0 ] || ! code_server_is_installed; then
    tail -n 40 "$log" >&2
    rm -rf "$work"
    fail "npm install code-server@$CODE_SERVER_VERSION failed (exit code $status); the output above is the end of its log."
  fi
  rm -rf "$work"
  echo "install-editor-tools: code-server installed in $((SECONDS - started)) s"
}

install_system_packages
install_code_server
