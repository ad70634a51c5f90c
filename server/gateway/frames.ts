// Client → server websocket frames. The rules (types, limits, error codes and
// the parser) are the contract's and live in core/protocol.ts, shared with the
// browser; this file only names what the gateway uses.
export {
  errorFrame,
  FrameError,
  HISTORY_PAGE,
  MAX_FRAME_BYTES,
  MAX_REF,
  parseClientFrame,
  refOfFrame,
  type ErrorCode,
  type ErrorFrame,
  type ParsedClientFrame as ClientFrame,
} from '../../core/protocol.ts';
