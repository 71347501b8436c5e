#!/usr/bin/env bash
# rig-test.sh: how ctest starts a rig test. Skips (exit 77) where the rig cannot
# run (not root, no pcscd or vpcd driver, no unshare), otherwise runs jcop-rig
# with the given arguments: rig-test.sh RIG [RIG OPTIONS] -- COMMAND...
set -u
rig=$1
shift
if [ "$(id -u)" -ne 0 ]; then
    echo "rig-test: SKIP: needs root (private pcscd in its own namespaces)"
    exit 77
fi
for need in pcscd unshare timeout; do
    command -v "$need" >/dev/null || { echo "rig-test: SKIP: $need missing"; exit 77; }
done
[ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || { echo "rig-test: SKIP: vsmartcard-vpcd missing"; exit 77; }
exec "$rig" "$@"
