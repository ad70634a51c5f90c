// The search room's entry: the supervised search service (a Lucene index fed
// from Kafka, in its own JVM; docs/search.md) and its build step.
import type { Config } from '../core/config.ts';
import { SearchService } from './service.ts';

export { SearchService, type SearchEndpoint, type SearchState, type ServiceHealth } from './service.ts';
export { buildSearch, searchBuilt } from './build.ts';

/**
 * The service as an `npm start` part (server/part.ts shape): starts in the
 * background so a first build (Maven, javac) does not hold up the chat;
 * /healthz shows its state; stopped before the broker.
 */
export function searchPart(config: Config, brokers: string[]) {
  const service = new SearchService(config, brokers);
  return {
    name: 'search',
    service,
    async start(): Promise<void> {
      void service.start();
    },
    stop: () => service.stop(),
    health: () => service.health(),
  };
}
