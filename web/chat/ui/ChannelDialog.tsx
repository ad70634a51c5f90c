// "채널 만들기 또는 들어가기": a channel name, checked as the server checks it.
import { useEffect, useState } from 'preact/hooks';
import { channelName } from '../protocol.ts';
import { Modal } from './common.tsx';
import { DialogActions, TextField } from './form.tsx';

export function ChannelDialog({ open, onClose, onJoin }: { open: boolean; onClose: () => void; onJoin: (name: string) => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  useEffect(() => {
    if (open) {
      setValue('');
      setError('');
    }
  }, [open]);
  return (
    <Modal open={open} title="채널 만들기 또는 들어가기" onClose={onClose} id="channel-dialog">
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const name = channelName(value);
          if (!name) return setError('채널 이름은 글자나 숫자로 시작하고, 글자·숫자·- _ . 만 쓸 수 있습니다 (40자까지).');
          onJoin(name);
        }}
      >
        <TextField
          id="channel-name"
          label="채널 이름"
          prefix="#"
          value={value}
          onValue={(v) => (setValue(v), setError(''))}
          help="없는 채널이면 새로 만들어지고, 있는 채널이면 들어갑니다."
          error={error}
          placeholder="예: 점심, dev-backend"
          maxLength={41}
          autocomplete="off"
          autoFocus
        />
        <DialogActions onCancel={onClose}>들어가기</DialogActions>
      </form>
    </Modal>
  );
}
