// The server's error codes are stable and its messages may be English: the
// chat shows a Korean sentence chosen by code, with the server's own words as
// the detail underneath. Used for websocket `error` frames and HTTP answers
// (`{"error","code"}`) alike.
import type { ErrorFrame } from './protocol.ts';

const ERROR_TEXT: Record<string, string> = {
  rate_limited: '메시지를 너무 빨리 보내고 있습니다. 잠시 후 다시 보내 주세요.',
  bad_nick: '이 닉네임은 쓸 수 없습니다.',
  nick_taken: '이미 누군가 쓰고 있는 닉네임입니다.',
  bad_channel: '채널 이름으로 쓸 수 없습니다.',
  forbidden: '이 채널이나 동작에 대한 권한이 없습니다.',
  not_found: '찾는 대상이 없습니다.',
  text_too_long: '메시지가 너무 깁니다.',
  empty_text: '빈 메시지는 보낼 수 없습니다.',
  bad_json: '서버가 이 요청을 이해하지 못했습니다.',
  bad_frame: '서버가 이 요청을 이해하지 못했습니다.',
  bad_field: '요청 내용이 올바르지 않습니다.',
  bad_request: '요청 내용이 올바르지 않습니다.',
  missing_field: '요청에 빠진 항목이 있습니다.',
  unknown_type: '서버가 모르는 요청입니다.',
  frame_too_large: '보내려는 내용이 너무 큽니다.',
  payload_too_large: '보내려는 내용이 너무 큽니다.',
  too_many_connections: '이 계정으로 열린 연결이 너무 많습니다. 다른 창이나 탭을 닫아 주세요.',
  too_many_channels: '들어가 있는 채널이 너무 많습니다. 쓰지 않는 채널에서 나가 주세요.',
  kafka_unavailable: '메시지 저장소(Kafka)에 잠시 연결할 수 없습니다.',
  unavailable: '서버가 잠시 요청을 받을 수 없습니다.',
  slow_consumer: '연결이 너무 느려 서버가 끊었습니다.',
  shutting_down: '서버가 다시 시작하는 중입니다. 곧 다시 연결합니다.',
  internal: '서버에서 오류가 났습니다.',
  unauthorized: '로그인이 만료되었습니다.',
  bad_password: '비밀번호가 맞지 않습니다.',
  wrong_password: '비밀번호가 맞지 않습니다.',
  password_required: '비밀번호를 입력해 주세요.',
  account_disabled: '관리자가 이 계정의 사용을 중지했습니다. 관리자에게 문의해 주세요.',
  unknown_nick: '그런 닉네임의 사람이 없습니다.',
  unknown_mention: '부른 사람 중 없는 닉네임이 있어 알림이 가지 않았습니다.',
  channel_exists: '이미 있는 채널 이름입니다. 다른 이름을 골라 주세요.',
  too_many_joined: '들어갈 수 있는 채널 수를 넘었습니다. 쓰지 않는 채널에서 나가 주세요.',
  not_joined: '이 채널의 멤버가 아닙니다.',
  unknown_message: '그런 메시지가 없습니다.',
  not_editable: '입장·퇴장 같은 알림은 고치거나 지울 수 없습니다.',
  message_deleted: '이미 삭제된 메시지입니다.',
  edit_window_closed: '보낸 지 오래되어 더 이상 고치거나 지울 수 없습니다.',
};

/** HTTP statuses without a code we know: the sentence a person reads. */
const STATUS_TEXT: Record<number, string> = {
  400: '요청 내용이 올바르지 않습니다.',
  401: '닉네임이나 비밀번호가 맞지 않습니다.',
  403: '권한이 없습니다.',
  409: '이미 누군가 쓰고 있는 닉네임입니다.',
  413: '보내려는 내용이 너무 큽니다.',
  429: '시도가 너무 많습니다. 잠시 후 다시 시도해 주세요.',
  503: '서버가 잠시 요청을 받을 수 없습니다. 잠시 후 다시 시도해 주세요.',
};

/** A Korean sentence naming what went wrong, with the server's own words as detail. */
export function describeError(e: Pick<ErrorFrame, 'code' | 'message'>): { text: string; detail: string } {
  const known = ERROR_TEXT[e.code];
  return { text: known ?? `요청을 처리하지 못했습니다 (${e.code})`, detail: e.message };
}

/**
 * The same for an HTTP answer `{"error","code"?}` with its status (e.g. a
 * refused login); `byStatus` says what a status means for this request.
 */
export function describeHttpError(
  status: number,
  body: { error?: unknown; code?: unknown; message?: unknown },
  byStatus: Record<number, string> = {},
): { text: string; detail: string } {
  const detail = String(body.error ?? body.message ?? '');
  const code = typeof body.code === 'string' ? body.code : '';
  const text = ERROR_TEXT[code] ?? byStatus[status] ?? STATUS_TEXT[status] ?? `요청을 처리하지 못했습니다 (HTTP ${status})`;
  return { text, detail: detail === text ? '' : detail };
}
