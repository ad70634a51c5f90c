// "닉네임 바꾸기": the rules the gateway enforces, said before sending.
import { useEffect, useState } from 'preact/hooks';
import { nickProblem } from '../protocol.ts';
import { Modal } from './common.tsx';
import { DialogActions, TextField } from './form.tsx';

/** Why a nickname cannot be used, or '': the contract's rule (core/protocol.ts) in a Korean sentence, its words as detail. */
function nickError(nick: string): string {
  if (!nick) return '닉네임을 입력해 주세요.';
  const problem = nickProblem(nick);
  return problem ? `이 닉네임은 쓸 수 없습니다 (${problem}).` : '';
}

export function NickDialog({ open, current, onClose, onSave }: { open: boolean; current: string; onClose: () => void; onSave: (nick: string) => void }) {
  const [value, setValue] = useState(current);
  const [error, setError] = useState('');
  useEffect(() => {
    if (open) {
      setValue(current);
      setError('');
    }
  }, [open, current]);
  return (
    <Modal open={open} title="닉네임 바꾸기" onClose={onClose} id="nick-dialog">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const nick = value.trim();
          const problem = nickError(nick);
          if (problem) return setError(problem);
          onSave(nick);
        }}
      >
        <TextField
          id="nick-input"
          label="새 닉네임"
          value={value}
          onValue={(v) => (setValue(v), setError(''))}
          help="들어가 있는 모든 채널에 바뀐 이름이 알려집니다. 채팅창에 /nick 새이름 으로도 바꿀 수 있습니다."
          error={error}
          autocomplete="nickname"
          autoFocus
        />
        <DialogActions onCancel={onClose}>바꾸기</DialogActions>
      </form>
    </Modal>
  );
}
