// The help dialog: chat commands, the bot, keyboard shortcuts.
import { COMMAND_HELP } from '../commands.ts';
import { Modal } from './common.tsx';

export function HelpDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Modal open={open} title="도움말" onClose={onClose} id="help-dialog">
      <h3 class="help-h">명령어</h3>
      <dl class="help-list">
        {COMMAND_HELP.map((c) => (
          <div key={c.usage}>
            <dt>
              <code>{c.usage}</code>
            </dt>
            <dd>{c.description}</dd>
          </div>
        ))}
        <div>
          <dt>
            <code>@봇 도움말</code>
          </dt>
          <dd>봇이 할 수 있는 일을 봅니다 (영화 질문, 일정 알림 등)</dd>
        </div>
      </dl>
      <h3 class="help-h">키보드</h3>
      <dl class="help-list">
        <div>
          <dt>
            <kbd>Enter</kbd>
          </dt>
          <dd>보내기 (한글 조합 중에는 글자만 완성합니다)</dd>
        </div>
        <div>
          <dt>
            <kbd>Shift</kbd>+<kbd>Enter</kbd>
          </dt>
          <dd>줄바꿈</dd>
        </div>
        <div>
          <dt>
            <kbd>Alt</kbd>+<kbd>↑</kbd> / <kbd>↓</kbd>
          </dt>
          <dd>이전 / 다음 채널</dd>
        </div>
        <div>
          <dt>
            <kbd>Esc</kbd>
          </dt>
          <dd>대화상자·메뉴 닫기</dd>
        </div>
      </dl>
    </Modal>
  );
}
