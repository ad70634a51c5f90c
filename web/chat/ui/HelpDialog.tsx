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
            <kbd>↑</kbd>
          </dt>
          <dd>입력창이 비어 있을 때: 내 마지막 메시지 수정 (수정 중 Enter 저장, Esc 취소)</dd>
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
          <dd>대화상자·메뉴·스레드 닫기, 답글 쓰기 취소</dd>
        </div>
      </dl>
      <h3 class="help-h">서식</h3>
      <dl class="help-list">
        <div>
          <dt>
            <code>**굵게**</code> <code>*기울임*</code> <code>~~취소선~~</code>
          </dt>
          <dd>글자 모양 (조사를 바로 붙여도 됩니다: **파묘**는)</dd>
        </div>
        <div>
          <dt>
            <code>`코드`</code> <code>```</code>
          </dt>
          <dd>코드 한 줄 / 여러 줄 코드 블록</dd>
        </div>
        <div>
          <dt>
            <code>- 목록</code> <code>1. 목록</code> <code>&gt; 인용</code>
          </dt>
          <dd>목록과 인용 (줄마다)</dd>
        </div>
        <div>
          <dt>
            <code>[글](https://…)</code>
          </dt>
          <dd>링크 (http, https, mailto만)</dd>
        </div>
      </dl>
    </Modal>
  );
}
