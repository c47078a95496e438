// A project's build variables: names and scopes listed, values written once and never
// shown again (the API does not return them).
import { useState } from 'react';
import { deleteProjectVariable, setProjectVariable } from './api.js';
import Field, { FormFooter } from './Field.jsx';

const SCOPES = [
  { key: 'production', label: 'Production' },
  { key: 'preview', label: 'Previews' },
];

export default function ProjectEnv({ project, onChanged }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [scopes, setScopes] = useState(['production', 'preview']);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null); // {ok, text}

  const run = async (call, done) => {
    setBusy(true);
    setMessage(null);
    try {
      await call();
      setMessage({ ok: true, text: done });
      onChanged();
      return true;
    } catch (failure) {
      setMessage({ ok: false, text: failure.message });
      return false;
    } finally {
      setBusy(false);
    }
  };

  const save = async (event) => {
    event.preventDefault();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name.trim())) {
      setMessage({ ok: false, text: 'A variable name has letters, digits and _ only, and does not start with a digit.' });
      return;
    }
    const saved = await run(() => setProjectVariable(project.name, name.trim(), value, scopes), `Saved ${name.trim()}.`);
    if (saved) {
      setName('');
      setValue('');
    }
  };

  const toggle = (key) => (event) =>
    setScopes((current) => (event.target.checked ? [...current, key] : current.filter((scope) => scope !== key)));

  return (
    <section className="card" aria-labelledby="env-title">
      <h2 id="env-title" className="section-title">
        Build variables
      </h2>
      <p className="muted">Encrypted on the server; a value is never shown after it is saved, and build logs mask it.</p>
      {project.env?.length > 0 ? (
        <ul className="project-list" aria-label="Variables">
          {project.env.map((variable) => (
            <li key={variable.name} className="project-item">
              <code>{variable.name}</code>
              <span className="muted">{variable.scopes.join(', ')}</span>
              <button
                type="button"
                className="button small"
                disabled={busy}
                aria-label={`Remove ${variable.name}`}
                onClick={() => run(() => deleteProjectVariable(project.name, variable.name), `Removed ${variable.name}.`)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No variables yet.</p>
      )}
      <form onSubmit={save} noValidate aria-label="Add a variable">
        <Field name="envName" label="Name" value={name} onChange={setName} placeholder="VITE_API_URL" required />
        <Field name="envValue" label="Value" type="password" value={value} onChange={setValue} required />
        <div className="checkbox-row">
          {SCOPES.map(({ key, label }) => (
            <label key={key} className="checkbox">
              <input type="checkbox" checked={scopes.includes(key)} onChange={toggle(key)} />
              {label}
            </label>
          ))}
        </div>
        <FormFooter message={message} busy={busy} label="Save variable" busyLabel="Saving…" primary={false} />
      </form>
    </section>
  );
}
