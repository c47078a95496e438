import { useEffect, useId, useRef, useState } from 'react';
import { answerPrompt, forgetToken, useTokenState } from './token.js';

// Asks for the server's API token when a change was refused without it (see api.js). A
// modal <dialog>: focus stays inside, Escape declines, and focus returns afterwards.
export default function TokenDialog() {
  const { prompt } = useTokenState();
  const dialogRef = useRef(null);
  const inputRef = useRef(null);
  const [value, setValue] = useState('');
  const id = useId();

  // Opens and closes with the prompt; the field takes the focus, a refused token selected
  // so that typing replaces it.
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!prompt) {
      if (dialog.open) dialog.close();
      setValue('');
      return;
    }
    if (!dialog.open) dialog.showModal();
    if (prompt.checking) return;
    inputRef.current.focus();
    if (prompt.error) inputRef.current.select();
  }, [prompt]);

  const submit = (event) => {
    event.preventDefault();
    const token = value.trim();
    if (token) answerPrompt(token);
  };

  const decline = (event) => {
    event.preventDefault(); // the dialog closes when the prompt goes
    if (!prompt.checking) answerPrompt(null);
  };

  const checking = prompt?.checking ?? false;
  const error = prompt?.error;
  return (
    <dialog
      ref={dialogRef}
      className="token-dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-help`}
      onCancel={decline}
    >
      <form onSubmit={submit} noValidate>
        <h2 id={`${id}-title`}>API token required</h2>
        <p id={`${id}-help`} className="token-help">
          This Reactor server lets only holders of its API token deploy, cancel or redrive. It is the value the
          server was started with: <code>--api-token</code>, the first line of the file given to{' '}
          <code>--api-token-file</code>, or <code>REACTOR_API_TOKEN</code>. Ask whoever runs the server if you
          do not have it. Watching needs no token.
        </p>
        <div className={`field${error ? ' has-error' : ''}`}>
          <label htmlFor={`${id}-input`}>API token</label>
          <input
            ref={inputRef}
            id={`${id}-input`}
            name="token"
            type="password"
            value={value}
            onChange={(event) => setValue(event.target.value)}
            aria-invalid={error ? 'true' : 'false'}
            aria-describedby={error ? `${id}-error` : `${id}-keep`}
            autoComplete="off"
            spellCheck="false"
            readOnly={checking}
          />
          {error ? (
            <p className="field-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : (
            <p className="hint" id={`${id}-keep`}>
              Kept in this browser tab until it closes or you choose “Forget token”.
            </p>
          )}
        </div>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={decline} disabled={checking}>
            Cancel
          </button>
          <button type="submit" className="button primary" disabled={checking || value.trim() === ''}>
            {checking ? 'Checking…' : 'Continue'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

// Shown while this tab holds a token: drops it, so the next change asks again.
export function ForgetTokenButton() {
  const { token } = useTokenState();
  if (!token) return null;
  return (
    <button type="button" className="button small" onClick={forgetToken} title="This tab holds the server's API token">
      Forget token
    </button>
  );
}
