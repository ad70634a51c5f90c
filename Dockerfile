# The kchat app (gateway, ingest, bots, API, web UI) for docker-compose.yml.
# Kafka runs in its own container (KAFKA_BROKERS=kafka:9092), so no Java here.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/app/data

WORKDIR /app
# Everything runs as the unprivileged `node` user, who must own /app:
# `npm start` rebuilds web/dist (prestart) and writes /app/data.
RUN chown node:node /app
USER node

# Dependencies first, so code edits do not reinstall them. Dev dependencies
# stay: tsx runs the TypeScript server and vite builds the web UI.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --include=dev --no-audit --no-fund

COPY --chown=node:node . .
RUN npm run build --silent && mkdir -p /app/data

EXPOSE 8080
VOLUME ["/app/data"]
CMD ["npm", "start"]
