#!/usr/bin/env bash
# The README's two commands. As root on Debian 12:
#   bash tools/quickstart.sh        install what is missing, build, rehearse the tutorial
#                                   on a virtual card through a private pcscd/vpcd, explained
#   bash tools/quickstart.sh test   install what is missing, build, run every test
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-run}
build=${JCOPSIM_BUILD_DIR:-$here/build}

install_missing() {
    local missing=()
    while read -r pkg; do
        case "$pkg" in ''|'#'*) continue ;; esac
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done < "$here/tools/debian-packages.txt"
    if [ ${#missing[@]} -gt 0 ]; then
        echo "quickstart: installing ${missing[*]}"
        if [ "$(id -u)" -ne 0 ]; then
            echo "quickstart: run as root to install packages (apt-get)" >&2
            exit 3
        fi
        DEBIAN_FRONTEND=noninteractive apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
}

build_all() {
    # LONG_TESTS: the 100-kill crash-safety runs (about 30 s) belong to "every test".
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJCOPSIM_LONG_TESTS=ON >/dev/null
    cmake --build "$build" -j"$(nproc)"
}

install_missing
build_all
case "$mode" in
    run)
        exec "$here/tools/quickstart-run.sh" "$build"
        ;;
    test)
        cd "$build"
        ctest --output-on-failure -j2 --timeout 600
        ;;
    *)
        echo "usage: $0 [run|test]" >&2
        exit 2
        ;;
esac
