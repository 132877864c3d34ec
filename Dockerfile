# The impala-autoscaler image: the `impala-autoscaler` command line (worker, warehouse …, probe, sim …) on Node 20.
# The TypeScript sources run through tsx (a runtime dependency), so there is no build step and what runs is what is
# in src/. Default command: the worker with the warehouses file mounted at /etc/impala-autoscaler/warehouses.yaml.
#   docker build -t impala-autoscaler:0.1.0 .
#   docker run -v $PWD/examples/warehouses.yaml:/etc/impala-autoscaler/warehouses.yaml:ro \
#     -e TEMPORAL_ADDRESS=temporal:7233 -p 9464:9464 impala-autoscaler:0.1.0
FROM node:20.20.2-bookworm-slim

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false
WORKDIR /app

# Dependencies first, from the lock file only, so that a source change reuses this layer. --omit=dev leaves out
# jest, typescript and playwright-core; tsx stays (it runs the sources).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src

# `impala-autoscaler` on PATH (deploy/deployment.yaml runs it by name); the directory the warehouses file (and a
# kubeconfig, outside a cluster) is mounted at; an unprivileged user with the uid/gid deploy/deployment.yaml sets.
RUN ln -s /app/bin/impala-autoscaler.js /usr/local/bin/impala-autoscaler \
 && mkdir -p /etc/impala-autoscaler \
 && groupadd --system --gid 10001 impala-autoscaler \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin impala-autoscaler

# Nothing in /app is writable by it; Node and the Temporal SDK write temporary files under /tmp only.
USER 10001:10001

# /metrics, /healthz and /readyz of the worker.
EXPOSE 9464

ENTRYPOINT ["node", "bin/impala-autoscaler.js"]
CMD ["worker", "--config", "/etc/impala-autoscaler/warehouses.yaml"]
