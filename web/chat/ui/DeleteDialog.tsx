// "메시지 삭제": asks before a message is deleted for everyone, naming whose
// message and showing its first line.
import { isDeleted } from '../../../core/conversation.ts';
import type { ChatStore } from '../store.ts';
import { snippet } from '../threads.ts';
import { Modal } from './common.tsx';

export function DeleteDialog({ store }: { store: ChatStore }) {
  const conv = store.conv;
  const ask = conv.deleting;
  const e = ask ? conv.find(ask.channel, ask.id) : undefined;
  const open = !!e && !isDeleted(e);
  const mine = e?.user.id === store.me?.id;
  return (
    <Modal open={open} title="메시지 삭제" onClose={() => conv.askDelete(null)} id="delete-dialog">
      {e && (
        <form
          class="form"
          onSubmit={(ev) => {
            ev.preventDefault();
            conv.remove(e);
          }}
        >
          <p class="dialog-text">{mine ? '이 메시지를 삭제할까요?' : `${e.user.nick}님의 메시지를 삭제할까요? (관리자 권한)`}</p>
          <blockquote class="dialog-quote">{snippet(e.text, 120) || '(내용 없음)'}</blockquote>
          <p class="dialog-help">모든 사람에게 "삭제된 메시지입니다"로 보이며 되돌릴 수 없습니다.</p>
          <div class="form-actions">
            <button type="button" class="btn" onClick={() => conv.askDelete(null)}>
              취소
            </button>
            <button type="submit" class="btn danger" autoFocus>
              삭제
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
