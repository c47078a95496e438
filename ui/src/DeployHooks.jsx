// A project's deploy hooks: secret URLs that build a branch when anything POSTs to them
// (a CMS's publish button, cron). A new hook's URL is shown once; the list has names only.
import { useEffect, useState } from 'react';
import { createDeployHook, deleteDeployHook, listDeployHooks } from './api.js';
import Field, { FormFooter } from './Field.jsx';

export default function DeployHooks({ project }) {
  const [hooks, setHooks] = useState(null);
  const [name, setName] = useState('');
  const [branch, setBranch] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState(null); // {ok, text}
  const [created, setCreated] = useState(null); // the URL to show this once
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let stopped = false;
    listDeployHooks(project.name)
      .then((list) => !stopped && setHooks(list))
      .catch((failure) => !stopped && setMessage({ ok: false, text: failure.message }));
    return () => {
      stopped = true;
    };
  }, [project.name, version]);

  const run = async (call) => {
    setBusy(true);
    setMessage(null);
    try {
      await call();
      setVersion((v) => v + 1);
    } catch (failure) {
      setMessage({ ok: false, text: failure.message });
    } finally {
      setBusy(false);
    }
  };

  const create = (event) => {
    event.preventDefault();
    setCreated(null);
    run(async () => {
      const hook = await createDeployHook(project.name, { name: name.trim(), branch: branch.trim() || undefined });
      setCreated(`${window.location.origin}${hook.path}`);
      setName('');
      setBranch('');
    });
  };

  return (
    <section className="card" aria-labelledby="hooks-title">
      <h2 id="hooks-title" className="section-title">
        Deploy hooks
      </h2>
      <p className="muted">A POST to a hook's URL builds its branch: for a CMS's publish button or cron. Keep the URL secret.</p>
      {hooks?.length > 0 ? (
        <ul className="project-list" aria-label="Deploy hooks">
          {hooks.map((hook) => (
            <li key={hook.name} className="project-item">
              <code>{hook.name}</code>
              <span className="muted">builds {hook.branch}</span>
              <button
                type="button"
                className="button small"
                disabled={busy}
                aria-label={`Remove hook ${hook.name}`}
                onClick={() => run(() => deleteDeployHook(project.name, hook.name))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        hooks && <p className="muted">No deploy hooks yet.</p>
      )}
      {created && (
        <div className="confirm" role="status">
          <p>Its URL, shown only now:</p>
          <code className="hook-url">{created}</code>
          <button type="button" className="button small" onClick={() => navigator.clipboard?.writeText(created)}>
            Copy
          </button>
        </div>
      )}
      <form onSubmit={create} noValidate aria-label="Add a deploy hook">
        <Field name="hookName" label="Hook name" value={name} onChange={setName} placeholder="cms-publish" required />
        <Field name="hookBranch" label="Branch it builds" value={branch} onChange={setBranch} placeholder={project.productionBranch ?? 'main'} />
        <FormFooter message={message} busy={busy} label="Add hook" busyLabel="Adding…" primary={false} />
      </form>
    </section>
  );
}
