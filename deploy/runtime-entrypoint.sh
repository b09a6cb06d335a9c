#!/bin/sh
# Entrypoint of the runtime image. fly.io mounts a machine's volume at /data owned by root, so the image
# starts as root only to hand /data to the `wing` user, then runs the command (the agent) as that user.
set -eu
if [ "$(id -u)" = 0 ]; then
    mkdir -p /data/work /data/cache
    chown wing:wing /data /data/work /data/cache
    export HOME=/home/wing
    exec setpriv --reuid=wing --regid=wing --init-groups -- "$@"
fi
exec "$@"
