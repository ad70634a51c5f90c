// What every frame handler may use: the gateway's parts, and the two things
// they all do — produce an event of their user to Kafka, and say who is
// acting in a directory record.
import type { By, Directory } from '../../../accounts/directory.ts';
import type { GatewayLimits } from '../../../core/config.ts';
import { createEnvelope, type EventType } from '../../../core/envelope.ts';
import type { Bus } from '../bus.ts';
import type { Channels } from '../channels.ts';
import type { History } from '../history.ts';
import type { Members } from '../members.ts';
import type { Sockets } from '../sockets.ts';
import type { LocalUser, Session, Users } from '../users.ts';

export interface GatewayContext {
  /** this gateway's id (meta.gateway of the events it produces) */
  id: string;
  limits: GatewayLimits;
  users: Users;
  /** rings of recent events per channel */
  channels: Channels;
  directory: Directory;
  members: Members;
  sockets: Sockets;
  history: History;
  bus: Bus;
  /** is this word after @ an address of a bot (not a person)? */
  isBotAddress(word: string): boolean;
  /** false while starting or stopping */
  accepting(): boolean;
}

export type Extra = { text?: string; textCleaned?: boolean; reply_to?: string | null; meta?: Record<string, unknown> };

/** An event of a user to Kafka; it reaches sockets when consumed back. */
export function produce(g: GatewayContext, type: EventType, channel: string, user: Pick<LocalUser, 'id' | 'nick'>, extra: Extra = {}): Promise<void> {
  const e = createEnvelope(
    { type, channel, user: { id: user.id, nick: user.nick }, text: extra.text, reply_to: extra.reply_to, meta: { gateway: g.id, ...extra.meta } },
    { textCleaned: extra.textCleaned },
  );
  return g.bus.send(e);
}

/** The session's account as the actor of a directory record. */
export function actor(s: Session): NonNullable<By> {
  return { id: s.user.id, nick: s.user.nick, role: s.role };
}
