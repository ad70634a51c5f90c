// The unsaved-changes guard: while a notebook has edits that are not saved,
// leaving the page (reload, closing the tab, a link to another page) asks the
// browser's "leave site?" question, and moving inside the page (the list,
// back/forward) asks first in Korean.
let dirty = false;

const onBeforeUnload = (e: BeforeUnloadEvent) => {
  e.preventDefault();
  e.returnValue = '';
};

export const LEAVE_QUESTION = '저장하지 않은 변경이 있습니다. 저장하지 않고 나갈까요?';

/** Say whether the open notebook has unsaved edits. */
export function setUnsaved(on: boolean): void {
  if (on === dirty) return;
  dirty = on;
  if (on) addEventListener('beforeunload', onBeforeUnload);
  else removeEventListener('beforeunload', onBeforeUnload);
}

/** May the page move away from the open notebook? Asks when there are unsaved edits. */
export function mayLeave(): boolean {
  if (!dirty || confirm(LEAVE_QUESTION)) {
    setUnsaved(false);
    return true;
  }
  return false;
}
