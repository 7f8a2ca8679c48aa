# syntax=docker/dockerfile:1
# One image for every crawlflow process; the command picks the app:
#   docker run crawlflow                                           # orchestrator (the default CMD)
#   docker run crawlflow node dist/apps/fetch-worker/src/main.js   # any other app
#   docker run crawlflow node dist/apps/migrator/src/main.js       # the one-shot migration step
#   (init containers) node dist/tools/deploy/wait-for-schema.js    # waits until the schema is current

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all dependencies, compile TypeScript into dist/ ---------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: nothing we depend on needs one, and none may run at build time unreviewed.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY tools ./tools
RUN npm run build

# --- production dependencies only -----------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (which then drains) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    TZ=UTC \
    PORT=3000
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
# The image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it. The app files
# stay owned by root: the process cannot rewrite its own code.
USER 1000:1000
# In a container every app listens on PORT (3000 unless set); `npm start`'s 3000..3004 sequence is
# only for five apps sharing one host.
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/orchestrator/src/main.js"]
