// The directory: accounts, channels, memberships, read positions and who is
// online — Kafka-native state every process that needs it holds in memory
// (a gateway-only node has no DuckDB). It is read from the state topics at
// start (accounts/feed.ts) and kept current by them; every change is written
// to its topic first and takes effect when read back, on every node alike.
// Writers here wait for their own record, so a caller sees the outcome that
// the whole cluster sees (`nick_taken`, `channel_exists`…).
import crypto from 'node:crypto';
import { hasRole, type Role } from '../core/auth.ts';
import { InputError } from '../core/errors.ts';
import type { KafkaClient } from '../core/kafka.ts';
import { logger } from '../core/log.ts';
import { AccountBook, foldNick, type Account, type Outcome } from './book.ts';
import { StateFeed } from './feed.ts';
import { dmChannel, MembershipBook, type ChannelOutcome } from './memberships.ts';
import { PresenceBook } from './presence.ts';
import { ReadBook } from './reads.ts';
import { presenceKey, readKey, type AccountRecord, type Actor, type ChannelRecord } from './records.ts';

const log = logger('accounts');

/** The channel scheduled notebook reports go to by default: private to auditors and admins. */
export const AUDIT_CHANNEL = 'audit';

/** Who does something, as records name them. */
export type By = Actor;

export const newUserId = (): string => 'u_' + crypto.randomBytes(8).toString('hex');

type Without<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

export class Directory {
  readonly accounts = new AccountBook();
  readonly channels = new MembershipBook();
  readonly reads = new ReadBook();
  readonly presence = new PresenceBook();
  private readonly feed: StateFeed;
  private readonly topics: KafkaClient['names']['topics'];

  constructor(private readonly kafka: KafkaClient) {
    this.topics = kafka.names.topics;
    this.feed = new StateFeed(
      kafka,
      new Map([
        [this.topics.accounts, this.accounts.apply],
        [this.topics.channels, this.channels.apply],
        [this.topics.reads, this.reads.apply],
        [this.topics.presence, this.presence.apply],
      ]),
    );
  }

  /** Read the state topics to their end; the directory is complete when this resolves. */
  async start(): Promise<void> {
    await this.feed.start();
    log.info({ accounts: this.accounts.size, channels: this.channels.size }, 'directory ready');
  }

  stop(): Promise<void> {
    return this.feed.stop();
  }

  health(): { ok: boolean; accounts: number; channels: number; feed: ReturnType<StateFeed['health']> } {
    const feed = this.feed.health();
    return { ok: feed.ok, accounts: this.accounts.size, channels: this.channels.size, feed };
  }

  // ── writing ──────────────────────────────────────────────────────────────

  /** Produce one record (acks = all) and wait until this process has applied it; its offset. */
  private async write(topic: string, key: string, value: unknown): Promise<number> {
    try {
      const [meta] = await this.kafka.send(topic, [{ key, value: value === null ? null : JSON.stringify(value) }]);
      const offset = Number(meta.baseOffset ?? meta.offset);
      await this.feed.applied(topic, offset);
      return offset;
    } catch (err) {
      log.warn({ err: (err as Error).message, topic }, 'directory write failed');
      throw new InputError('kafka_unavailable', `메시지 저장소(Kafka)가 변경을 확인해 주지 않아 처리하지 못했습니다: ${(err as Error).message} (Kafka unavailable)`, { status: 503, cause: err });
    }
  }

  /** Append prepared records to chat.accounts or chat.channels in one request (migration); resolves once applied here. */
  async seed(topic: 'accounts' | 'channels', records: { key: string; value: Record<string, unknown> }[]): Promise<void> {
    const name = this.topics[topic];
    for (let i = 0; i < records.length; i += 500) {
      const batch = records.slice(i, i + 500).map((r) => ({ key: r.key, value: JSON.stringify({ v: 1, ts: Date.now(), ...r.value }) }));
      const [meta] = await this.kafka.send(name, batch);
      await this.feed.applied(name, Number(meta.baseOffset ?? meta.offset) + batch.length - 1, 60_000);
    }
  }

  private async account(record: Without<AccountRecord, 'v' | 'ts'>, folded: string): Promise<Outcome> {
    const offset = await this.write(this.topics.accounts, folded, { v: 1, ...record, ts: Date.now() });
    return this.accounts.outcome(offset) ?? { ok: false, reason: 'unknown_account' };
  }

  private async channel(record: Without<ChannelRecord, 'v' | 'ts'>): Promise<ChannelOutcome> {
    const offset = await this.write(this.topics.channels, record.channel, { v: 1, ...record, ts: Date.now() });
    return this.channels.outcome(offset) ?? { ok: false, reason: 'forbidden' };
  }

  // ── accounts ─────────────────────────────────────────────────────────────

  /**
   * Claim a nick: a new account (or the first login of a nick reserved for its
   * old id). Resolves to the account when this claim won; throws
   * InputError('nick_taken', 409) when another claim came first.
   */
  async claim(c: { nick: string; role: Role; password: string | null; tokenHash: string | null; by: By; id?: string }): Promise<Account> {
    const existing = this.accounts.byNick(c.nick);
    const id = c.id ?? (existing?.status === 'reserved' ? existing.id : newUserId());
    const folded = this.foldedOf(c.nick);
    const outcome = await this.account({ kind: 'claim', id, nick: c.nick, role: c.role, password: c.password, token_hash: c.tokenHash, by: c.by }, folded);
    if (!outcome.ok) throw nickTaken(c.nick);
    return this.accounts.byUserId(id)!;
  }

  /** Keep a nick seen before accounts existed for its user id (migration); false when it is taken already. */
  async reserve(nick: string, id: string): Promise<boolean> {
    return (await this.account({ kind: 'reserve', id, nick, by: null }, this.foldedOf(nick))).ok;
  }

  async setPassword(account: Account, hash: string, by: By): Promise<void> {
    await this.account({ kind: 'password', id: account.id, password: hash, by }, account.folded);
  }

  async setToken(account: Account, tokenHash: string, by: By): Promise<void> {
    await this.account({ kind: 'token', id: account.id, token_hash: tokenHash, by }, account.folded);
  }

  /** Take another nick; InputError('nick_taken', 409) when someone has it (or one that looks like it). */
  async rename(account: Account, nick: string, by: By): Promise<Account> {
    const outcome = await this.account({ kind: 'rename', id: account.id, nick, by }, this.foldedOf(nick));
    if (!outcome.ok) throw nickTaken(nick);
    return this.accounts.byUserId(account.id)!;
  }

  async disable(account: Account, by: By, reason?: string): Promise<void> {
    await this.account({ kind: 'disable', id: account.id, by, ...(reason ? { reason } : {}) }, account.folded);
  }

  async enable(account: Account, by: By): Promise<void> {
    await this.account({ kind: 'enable', id: account.id, by }, account.folded);
  }

  /** The key of an account record (one partition: the key only names the nick for people reading the topic). */
  private foldedOf(nick: string): string {
    return foldNick(nick);
  }

  // ── channels ─────────────────────────────────────────────────────────────

  /** Become a member (via join, invite, system); the outcome says whether anything changed. */
  join(channel: string, user: string, via: 'join' | 'invite' | 'system', by: By): Promise<ChannelOutcome> {
    return this.channel({ kind: 'join', channel, user, via, by });
  }

  leave(channel: string, user: string, by: By): Promise<ChannelOutcome> {
    return this.channel({ kind: 'leave', channel, user, by });
  }

  /** A private channel (or a public one with first members); `channel_exists` when the name is in use. */
  create(c: { channel: string; private: boolean; members: string[]; by: By; audience?: 'everyone' | 'auditors' }): Promise<ChannelOutcome> {
    return this.channel({ kind: 'create', channel: c.channel, private: c.private, dm: null, audience: c.audience ?? 'everyone', members: [...new Set(c.members)], by: c.by });
  }

  /** Open (or reopen) the direct conversation of these people; its channel name. */
  async openDm(people: string[], by: By): Promise<string> {
    const channel = dmChannel(people);
    const def = this.channels.get(channel);
    if (def?.dm && people.every((p) => def.members.has(p))) return channel;
    const ids = [...new Set(people)].sort();
    const outcome = await this.channel({ kind: 'create', channel, private: true, dm: ids, audience: 'everyone', members: ids, by });
    if (!outcome.ok) throw new InputError('channel_exists', `대화방 이름 ${channel}이(가) 이미 다른 채널에 쓰이고 있습니다 (DM channel name collision)`, { status: 409 });
    return channel;
  }

  /** Remember how far someone read a channel (only forward); written only when it moves. */
  async read(user: string, channel: string, ts: number): Promise<boolean> {
    if ((this.reads.get(user, channel) ?? -1) >= ts) return false;
    try {
      await this.kafka.send(this.topics.reads, [{ key: readKey(user, channel), value: JSON.stringify({ user, channel, ts }) }]);
    } catch (err) {
      throw new InputError('kafka_unavailable', `읽은 위치를 저장하지 못했습니다: ${(err as Error).message} (Kafka unavailable)`, { status: 503, cause: err });
    }
    // applied when the feed reads it back, here and on every node (other tabs are told then)
    return true;
  }

  /**
   * Why auditors' reports (scheduled notebook results) may not go to a
   * channel, or null when they may: it must be private, and every member an
   * auditor or admin — otherwise a member could read what only auditors may.
   */
  reportTargetProblem(channel: string): string | null {
    const def = this.channels.get(channel);
    if (!def) return `#${channel} 채널이 없습니다. 감사 보고는 감사인과 관리자만 있는 비공개 채널(기본 #${AUDIT_CHANNEL})로만 보낼 수 있습니다 (no such channel)`;
    if (!def.private) return `#${channel}은(는) 공개 채널이라 누구나 들어와 감사 보고를 읽을 수 있습니다. 비공개 채널(기본 #${AUDIT_CHANNEL})을 고르세요 (public channel)`;
    const readers = [...def.members.keys()].filter((id) => id !== 'admin' && !this.isPrivileged(id));
    if (readers.length) {
      const nicks = readers.map((id) => this.accounts.byUserId(id)?.nick ?? id).join(', ');
      return `#${channel}에는 감사 권한이 없는 멤버(${nicks})가 있어 감사 보고를 보낼 수 없습니다 (members who are not auditors)`;
    }
    return null;
  }

  private isPrivileged(id: string): boolean {
    const a = this.accounts.byUserId(id);
    return a !== undefined && a.status !== 'disabled' && hasRole(a.role, 'auditor');
  }

  // ── presence ─────────────────────────────────────────────────────────────

  /** An account is online on this gateway (its first connection here opened). */
  async online(gateway: string, user: string, nick: string): Promise<void> {
    await this.write(this.topics.presence, presenceKey(gateway, user), { user, nick, gateway, ts: Date.now() });
  }

  /** An account's last connection to this gateway closed (or the gateway is gone). */
  async offline(gateway: string, user: string): Promise<void> {
    await this.write(this.topics.presence, presenceKey(gateway, user), null);
  }

  /** A dead gateway: drop its people now and write their tombstones, so a node starting later agrees. */
  async dropGateway(gateway: string): Promise<void> {
    const keys = this.presence.keysOf(gateway);
    this.presence.dropGateway(gateway);
    if (keys.length) await this.kafka.send(this.topics.presence, keys.map((key) => ({ key, value: null }))).catch((err: Error) => log.warn({ err: err.message, gateway }, 'could not write presence tombstones'));
  }
}

function nickTaken(nick: string): InputError {
  return new InputError('nick_taken', `닉네임 "${nick}"은(는) 이미 다른 계정이 쓰고 있습니다 (또는 그와 똑같아 보입니다). 다른 닉네임을 고르세요 (nick is taken)`, { status: 409 });
}
