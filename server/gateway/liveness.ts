// Which gateways are still alive, judged by Kafka itself: every gateway
// consumes in its own consumer group (kafkaNames().groups.gateway), and a gateway
// that dies stops heartbeating, so after the session timeout (10 s) its group
// is Empty. Users announced by a gateway whose group is seen empty three
// times in a row (≥ 8 s apart, so a rebalance or a briefly starved gateway is
// not mistaken for a dead one) are dropped from presence: no ghosts, and no
// extra traffic on the chat topic.
import type { KafkaClient } from '../../core/kafka.ts';
import { logger } from '../../core/log.ts';

const log = logger('gateway.liveness');

export class Liveness {
  private timer: NodeJS.Timeout | null = null;
  private readonly strikes = new Map<string, number>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly self: string,
    /** gateway ids that currently own users in presence */
    private readonly known: () => Set<string>,
    private readonly onDead: (gatewayId: string) => void,
    private readonly intervalMs = 4000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: describe the groups of every gateway with users; three empty sightings in a row = dead. */
  check(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => (this.running = null));
    return this.running;
  }

  /** A round that treats empty groups as dead at once (used once, after warm-up: those users are from before a restart). */
  async sweep(): Promise<void> {
    await this.round(1);
  }

  private async round(strikesToDie = 3): Promise<void> {
    const ids = [...this.known()].filter((id) => id !== this.self);
    if (!ids.length) return;
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const groupOf = this.kafka.names.groups.gateway;
      const { groups } = await admin.describeGroups(ids.map(groupOf));
      const state = new Map(groups.map((g) => [g.groupId, g]));
      for (const id of ids) {
        const g = state.get(groupOf(id));
        const alive = g !== undefined && g.state !== 'Empty' && g.state !== 'Dead' && g.members.length > 0;
        if (alive) {
          this.strikes.delete(id);
          continue;
        }
        const n = (this.strikes.get(id) ?? 0) + 1;
        this.strikes.set(id, n);
        if (n >= strikesToDie) {
          this.strikes.delete(id);
          log.info({ gateway: id, state: g?.state ?? 'unknown' }, 'gateway is gone; dropping its users from presence');
          this.onDead(id);
        }
      }
    } catch (err) {
      // broker unreachable: judge nobody
      log.debug({ err: (err as Error).message }, 'liveness check failed');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
