// A labelled text input with its hint and its error, tied together for screen readers.
import { useId } from 'react';

export default function Field({
  name,
  label,
  hint,
  value,
  onChange,
  onBlur,
  error,
  placeholder,
  required,
  inputMode,
  autoFocus,
  type = 'text',
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint && hintId, error && errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field field-${name}${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {label}
        {!required && <span className="optional"> (optional)</span>}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        onBlur={onBlur}
        aria-invalid={error ? 'true' : 'false'}
        aria-describedby={describedBy}
        aria-required={required ? 'true' : undefined}
        autoComplete="off"
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck="false"
        inputMode={inputMode}
        autoFocus={autoFocus}
      />
      {hint && !error && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

// The end of a form: what the last submit said ({ok, text}; an error is an alert) and the
// submit button, which says `busyLabel` and is disabled while `busy`.
export function FormFooter({ message, busy, label, busyLabel, primary = true }) {
  return (
    <>
      {message && (
        <p className={message.ok ? 'form-ok' : 'form-error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className={primary ? 'button primary' : 'button'} disabled={busy}>
          {busy ? busyLabel : label}
        </button>
      </div>
    </>
  );
}
