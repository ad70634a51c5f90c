// The directory in DuckDB, for auditors' SQL, notebooks and exports, where
// ingest runs (an audit node). Kafka stays the source: these tables are
// rewritten from the in-memory directory after every change (a second at
// most behind), and account_events keeps every account record in log order —
// never a password or token hash.
//   accounts        id, nick, role, status, has_password, token_login, created, updated
//   account_events  offset, ts, kind, account_id, nick, by_id, by_nick, outcome
//   channels        name, private, dm, audience, created_by, created, members
//   channel_members channel, user_id, nick, since, via
import type { Database } from '../core/db.ts';
import { defineTable } from '../core/db.ts';
import { logger } from '../core/log.ts';
import type { Directory } from './directory.ts';

const log = logger('accounts.mirror');

export const ACCOUNTS = defineTable(
  'accounts',
  {
    id: 'VARCHAR NOT NULL',
    nick: 'VARCHAR NOT NULL',
    role: 'VARCHAR NOT NULL',
    status: 'VARCHAR NOT NULL',
    has_password: 'BOOLEAN NOT NULL',
    token_login: 'BOOLEAN NOT NULL',
    created: 'TIMESTAMPTZ',
    updated: 'TIMESTAMPTZ',
  },
  ['PRIMARY KEY (id)'],
);

export const ACCOUNT_EVENTS = defineTable(
  'account_events',
  {
    offset: 'BIGINT NOT NULL',
    ts: 'TIMESTAMPTZ',
    kind: 'VARCHAR NOT NULL',
    account_id: 'VARCHAR NOT NULL',
    nick: 'VARCHAR',
    by_id: 'VARCHAR',
    by_nick: 'VARCHAR',
    outcome: 'VARCHAR NOT NULL',
  },
  ['PRIMARY KEY ("offset")'],
);

export const CHANNELS = defineTable(
  'channels',
  {
    name: 'VARCHAR NOT NULL',
    private: 'BOOLEAN NOT NULL',
    dm: 'BOOLEAN NOT NULL',
    audience: 'VARCHAR NOT NULL',
    created_by: 'VARCHAR',
    created: 'TIMESTAMPTZ',
    members: 'INTEGER NOT NULL',
  },
  ['PRIMARY KEY (name)'],
);

export const CHANNEL_MEMBERS = defineTable(
  'channel_members',
  {
    channel: 'VARCHAR NOT NULL',
    user_id: 'VARCHAR NOT NULL',
    nick: 'VARCHAR',
    since: 'TIMESTAMPTZ',
    via: 'VARCHAR NOT NULL',
  },
  ['PRIMARY KEY (channel, user_id)'],
);

export const DIRECTORY_TABLES = [ACCOUNTS, ACCOUNT_EVENTS, CHANNELS, CHANNEL_MEMBERS];

/** How long changes wait to be written together. */
const FLUSH_MS = 500;

export class DirectoryMirror {
  private events: unknown[][] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private dirty = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly directory: Directory,
    private readonly db: Database,
  ) {
    this.unsubscribe.push(
      directory.accounts.onChange(({ record, account, outcome, offset }) => {
        this.events.push([offset, record.ts, record.kind, record.id, account?.nick ?? ('nick' in record ? record.nick : null), record.by?.id ?? null, record.by?.nick ?? null, outcome.ok ? 'applied' : outcome.reason]);
        this.changed();
      }),
      directory.channels.onChange(() => this.changed()),
    );
  }

  /** Create the tables and write what the directory holds now (call after it started). */
  async start(): Promise<void> {
    await this.db.ensureTables(DIRECTORY_TABLES);
    await this.flush();
  }

  private changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush().catch((err: unknown) => log.warn({ err }, 'could not mirror the directory into DuckDB; retrying with the next change'));
    }, FLUSH_MS);
    this.timer.unref();
  }

  /** Rewrite the snapshot tables and append the account events seen since the last write. */
  async flush(): Promise<void> {
    if (this.running) {
      await this.running;
      if (!this.dirty) return;
    }
    this.dirty = false;
    const events = this.events;
    this.events = [];
    this.running = this.write(events)
      .catch((err: unknown) => {
        this.events = [...events, ...this.events];
        this.dirty = true;
        throw err;
      })
      .finally(() => (this.running = null));
    await this.running;
  }

  private async write(events: unknown[][]): Promise<void> {
    const d = this.directory;
    const accounts = [...d.accounts.all()].map((a) => [a.id, a.nick, a.role, a.status, a.password !== null, a.tokenHash !== null, a.created, a.updated]);
    const channels: unknown[][] = [];
    const members: unknown[][] = [];
    for (const c of d.channels.all()) {
      channels.push([c.name, c.private, c.dm !== null, c.audience, c.createdBy, c.created, c.members.size]);
      for (const [user, m] of c.members) members.push([c.name, user, d.accounts.byUserId(user)?.nick ?? null, m.since, m.via]);
    }
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM accounts');
      await tx.insert(ACCOUNTS, accounts);
      await tx.run('DELETE FROM channels');
      await tx.insert(CHANNELS, channels);
      await tx.run('DELETE FROM channel_members');
      await tx.insert(CHANNEL_MEMBERS, members);
      if (events.length) {
        // a restart replays the whole log: rows already there are replaced, never doubled
        const first = events.reduce((min, e) => Math.min(min, e[0] as number), Infinity);
        await tx.run('DELETE FROM account_events WHERE "offset" >= ?', [first]);
        await tx.insert(ACCOUNT_EVENTS, events);
      }
    });
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush().catch((err: unknown) => log.warn({ err }, 'last directory mirror write failed'));
  }
}
