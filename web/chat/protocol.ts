// The websocket contract as the browser sees it: the one declaration in
// core/protocol.ts (browser-safe: no Node imports), re-exported for web/chat.
export {
  channelName,
  isEnvelope,
  MAX_CHANNEL,
  MAX_NICK,
  MAX_TEXT,
  nickProblem,
  parseServerFrame,
  SEND_DEADLINE_MS,
  type ChannelInfo,
  type ClientFrame,
  type Envelope,
  type ErrorFrame,
  type EventType,
  type HistoryFrame,
  type PresenceFrame,
  type SelfFrame,
  type ServerFrame,
  type ThreadFrame,
  type User,
} from '../../core/protocol.ts';
