# The kchat app (gateway, ingest, bots, API, web UI) for docker-compose.yml.
# Kafka runs in its own container (KAFKA_BROKERS=kafka:9092); the search
# service (search/, a JVM the app supervises) runs in this one, so the image
# has a JDK and Maven to build it (docs/search.md runs it elsewhere instead).
FROM node:20-bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jdk-headless maven \
 && rm -rf /var/lib/apt/lists/*

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/data

WORKDIR /app
# Everything runs as the unprivileged `node` user, who must own /app:
# `npm start` rebuilds web/dist and server/dist (prestart) and writes /app/data.
RUN chown node:node /app
USER node

# Dependencies first, so code edits do not reinstall them. Dev dependencies
# stay: vite builds the web UI, esbuild compiles the server, tsx runs the CLI.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund

COPY --chown=node:node . .
RUN npm run build --silent && npx tsx search/build.ts && mkdir -p /app/data

EXPOSE 8080
VOLUME ["/app/data"]
CMD ["npm", "start"]
