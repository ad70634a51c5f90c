// The pieces every small form here repeats: a labelled text input whose
// help line turns into the error (announced, and tied to the input by
// aria-describedby), and the cancel/submit row of a dialog.
import type { ComponentChildren } from 'preact';

export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  /** the new value; the caller usually clears its error here */
  onValue: (value: string) => void;
  help: string;
  error: string;
  /** shown before the input (the # of a channel) */
  prefix?: string;
  name?: string;
  type?: 'text' | 'password' | 'search';
  placeholder?: string;
  maxLength?: number;
  autocomplete?: string;
  autoFocus?: boolean;
}

export function TextField({ id, label, value, onValue, help, error, prefix, type = 'text', ...input }: TextFieldProps) {
  const helpId = `${id}-help`;
  const field = (
    <input
      {...input}
      // preact's types tie other attributes to each input type; these three share them at runtime
      type={type as 'text'}
      id={id}
      value={value}
      onInput={(e) => onValue((e.target as HTMLInputElement).value)}
      aria-invalid={error ? true : undefined}
      aria-describedby={helpId}
    />
  );
  return (
    <>
      <label for={id}>{label}</label>
      {prefix ? (
        <div class="input-prefix">
          <span aria-hidden="true">{prefix}</span>
          {field}
        </div>
      ) : (
        field
      )}
      <p id={helpId} class={error ? 'field-error' : 'field-help'} role={error ? 'alert' : undefined}>
        {error || help}
      </p>
    </>
  );
}

export function DialogActions({ onCancel, children }: { onCancel: () => void; children: ComponentChildren }) {
  return (
    <div class="form-actions">
      <button type="button" class="btn" onClick={onCancel}>
        취소
      </button>
      <button type="submit" class="btn primary">
        {children}
      </button>
    </div>
  );
}
