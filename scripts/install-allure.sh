#!/usr/bin/env bash
# Installs the Allure 3 report tool (npm package `allure`, pure Node.js) into <project>/.tools/allure/.
# The suite runs it from there; nothing is installed globally. Needs Node.js >= 20.19 and npm.
# Keep ALLURE_VERSION in step with conformance/reporting/allure_cli.py (a self-test checks it).
set -euo pipefail

ALLURE_VERSION="3.18.0"
project_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${project_root}/.tools/allure"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Node.js not found: install Node.js >= 20 (e.g. apt-get install nodejs npm) to build the Allure HTML report" >&2
    exit 1
fi

installed="${prefix}/node_modules/allure/package.json"
if [ -f "${installed}" ] && grep -q "\"version\": \"${ALLURE_VERSION}\"" "${installed}"; then
    echo "allure ${ALLURE_VERSION} already installed in ${prefix}"
    exit 0
fi

mkdir -p "${prefix}"
npm install --prefix "${prefix}" --no-audit --no-fund --loglevel=error "allure@${ALLURE_VERSION}"
echo "allure ${ALLURE_VERSION} installed in ${prefix}"
