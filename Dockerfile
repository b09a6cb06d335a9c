# The runtime image fly.io machines run: the runtime agent (`python -m agent`), node, git and winglang.
# The operator builds and pushes it (deploy/README.md); WINGCLOUD_RUNTIME_IMAGE names it. No build secret.

# node >= 20 for winglang (Debian bookworm's nodejs is 18): taken from the official image
FROM node:20-bookworm-slim AS node

FROM python:3.11-slim-bookworm

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && node --version && npm --version

RUN useradd --create-home --uid 10001 wing \
    && mkdir -p /opt/winglang /data \
    && chown wing:wing /opt/winglang /data

# winglang, pinned to the agent's default (agent/config.py, WINGCLOUD_WINGLANG_VERSION), installed by the
# user that runs it; an app that pins its own winglang uses that one instead
USER wing
ENV HOME=/home/wing
RUN npm install --no-audit --no-fund --prefix /opt/winglang winglang@0.85.49 \
    && npm cache clean --force
ENV WINGCLOUD_WING=/opt/winglang/node_modules/.bin/wing
USER root

# the agent, installed with the whole package (pyproject.toml has no smaller distribution)
WORKDIR /src
COPY pyproject.toml README.md ./
COPY adapters ./adapters
COPY agent ./agent
COPY bus ./bus
COPY events ./events
COPY ports ./ports
COPY services ./services
COPY sim ./sim
COPY spec ./spec
COPY wingcloud ./wingcloud
RUN pip install . && rm -rf /src

COPY deploy/runtime-entrypoint.sh /usr/local/bin/wingcloud-entrypoint
RUN chmod 0755 /usr/local/bin/wingcloud-entrypoint

WORKDIR /home/wing
# the agent's endpoint proxy and health check (adapters/flyio/machine_config.py, PROXY_PORT)
EXPOSE 8080
# starts as root to hand the volume mounted at /data to `wing`, then runs the agent as `wing`
ENTRYPOINT ["wingcloud-entrypoint"]
CMD ["python", "-m", "agent"]
