// Toasts: short notices and errors (in Korean, the server's words underneath),
// at most four, each gone after a few seconds or when closed.
const TOAST_MS = 7000;

export interface Toast {
  id: number;
  text: string;
  detail?: string;
  tone: 'error' | 'info';
}

export class ToastList {
  items: Toast[] = [];
  private seq = 0;

  constructor(private readonly changed: () => void) {}

  show(text: string, tone: Toast['tone'] = 'info', detail?: string): void {
    const t: Toast = { id: ++this.seq, text, tone, detail };
    this.items = [...this.items.slice(-3), t];
    setTimeout(() => this.dismiss(t.id), TOAST_MS);
    this.changed();
  }

  dismiss(id: number): void {
    const before = this.items.length;
    this.items = this.items.filter((t) => t.id !== id);
    if (this.items.length !== before) this.changed();
  }
}
