// Browser notifications for mentions while the tab is in the background —
// only once the person allowed them (the sidebar's bell asks).
import type { Envelope } from './protocol.ts';

export type NotifyState = 'unsupported' | 'default' | 'granted' | 'denied';

export function notifyState(): NotifyState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Ask for permission (after a click: browsers ignore asks that no gesture started). */
export async function askToNotify(): Promise<NotifyState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

/** A notification for a message that mentions you; clicking it brings the tab forward. */
export function notify(e: Envelope, title: string): void {
  if (notifyState() !== 'granted') return;
  try {
    const n = new Notification(title, { body: e.text.slice(0, 200), tag: e.id });
    n.onclick = () => window.focus();
  } catch {
    /* some browsers allow notifications only from a service worker */
  }
}
