// "채널 만들기 또는 들어가기": a channel name, checked as the server checks it;
// "비공개" makes a private channel with the people named (only they can see
// it, and only members can invite more).
import { useEffect, useState } from 'preact/hooks';
import { people as nicksIn } from '../commands.ts';
import { channelName } from '../protocol.ts';
import { Modal } from './common.tsx';
import { DialogActions, TextField } from './form.tsx';

export interface ChannelDialogProps {
  open: boolean;
  onClose: () => void;
  onJoin: (name: string) => void;
  onCreatePrivate: (name: string, members: string[]) => void;
}

export function ChannelDialog({ open, onClose, onJoin, onCreatePrivate }: ChannelDialogProps) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [secret, setSecret] = useState(false);
  const [people, setPeople] = useState('');
  useEffect(() => {
    if (open) {
      setValue('');
      setError('');
      setSecret(false);
      setPeople('');
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
          if (!secret) return onJoin(name);
          onCreatePrivate(name, nicksIn(people));
        }}
      >
        <TextField
          id="channel-name"
          label="채널 이름"
          prefix="#"
          value={value}
          onValue={(v) => (setValue(v), setError(''))}
          help={secret ? '새 비공개 채널의 이름입니다.' : '없는 채널이면 새로 만들어지고, 있는 채널이면 들어갑니다.'}
          error={error}
          placeholder="예: 점심, dev-backend"
          maxLength={41}
          autocomplete="off"
          autoFocus
        />
        <label class="check">
          <input id="channel-private" type="checkbox" checked={secret} onChange={(e) => setSecret((e.target as HTMLInputElement).checked)} /> 비공개 채널 (초대한 사람만 보고 들어올 수 있습니다)
        </label>
        {secret && (
          <TextField
            id="channel-members"
            label="함께할 사람"
            value={people}
            onValue={setPeople}
            help="닉네임을 쉼표나 띄어쓰기로 구분해 적으세요. 나중에 /invite 로 더 초대할 수 있습니다."
            error=""
            placeholder="예: 지영, 민수"
            autocomplete="off"
          />
        )}
        <DialogActions onCancel={onClose}>{secret ? '만들기' : '들어가기'}</DialogActions>
      </form>
    </Modal>
  );
}
