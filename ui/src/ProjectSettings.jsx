// A project's settings: its build settings, its production branch and promotion, skew
// protection and access protection. Saving sends only what changed (PATCH), and the
// server's answer, the project as stored, is what the form shows next.
import { useEffect, useState } from 'react';
import { updateProject } from './api.js';
import Field, { FormFooter } from './Field.jsx';
import CustomDomains from './CustomDomains.jsx';
import DeployHooks from './DeployHooks.jsx';
import GitWebhooks from './GitWebhooks.jsx';
import Notifications from './Notifications.jsx';
import ProjectEnv from './ProjectEnv.jsx';
import { useProject } from './hooks.js';
import { BUILD_SETTINGS } from './model.js';
import { Link, projectPath } from './router.jsx';

const BUILD_FIELDS = [
  ...BUILD_SETTINGS,
  { name: 'rootDir', label: 'Root directory', placeholder: 'the repository root' },
];

// The form's values for a project as the API shows it.
function formOf(project) {
  const values = {
    productionBranch: project.productionBranch ?? '',
    autoPromote: project.autoPromote,
    protection: project.protection,
    password: '',
    skewWindowDays: String(project.skewWindowDays),
    skewMaxDeployments: String(project.skewMaxDeployments),
    deployTags: project.deployTags,
    buildForkPullRequests: project.buildForkPullRequests,
  };
  for (const { name } of BUILD_FIELDS) values[name] = project.settings?.[name] ?? '';
  return values;
}

// The PATCH body: each changed field; an emptied build setting goes back to its default.
function changesOf(values, original) {
  const changes = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'password') {
      if (value) changes.password = value;
      continue;
    }
    if (value === original[key]) continue;
    if (key === 'skewWindowDays' || key === 'skewMaxDeployments') changes[key] = Number(value);
    else if (BUILD_FIELDS.some(({ name }) => name === key)) changes[key] = value.trim() === '' ? null : value.trim();
    else changes[key] = typeof value === 'string' ? value.trim() : value;
  }
  return changes;
}

export default function ProjectSettings({ name }) {
  const { project, error, notFound, setProject, reload } = useProject(name);
  const [values, setValues] = useState(null);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState(null); // {ok, text}

  useEffect(() => {
    if (project && values === null) setValues(formOf(project));
  }, [project, values]);

  if (notFound) return <section className="card">No project “{name}”.</section>;
  if (!project || !values) {
    return <section className="card">{error ? <p role="alert">{error}</p> : <p className="muted">Loading…</p>}</section>;
  }

  const original = formOf(project);
  const set = (key) => (value) => setValues((current) => ({ ...current, [key]: value }));

  const save = async (event) => {
    event.preventDefault();
    const changes = changesOf(values, original);
    if (Object.keys(changes).length === 0) {
      setResult({ ok: true, text: 'Nothing changed.' });
      return;
    }
    setSaving(true);
    setResult(null);
    try {
      const updated = await updateProject(name, changes);
      setProject(updated);
      setValues(formOf(updated));
      setResult({ ok: true, text: 'Saved. The next build uses these settings.' });
    } catch (failure) {
      setResult({ ok: false, text: failure.message });
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <form className="card settings-form" onSubmit={save} noValidate aria-labelledby="settings-title">
        <p>
          <Link to={projectPath(name)}>← {name}</Link>
        </p>
        <h1 id="settings-title">Settings of {name}</h1>
        <fieldset>
          <legend>Build</legend>
          {BUILD_FIELDS.map(({ name: field, label, placeholder }) => (
            <Field key={field} name={field} label={label} value={values[field]} onChange={set(field)} placeholder={placeholder} />
          ))}
        </fieldset>
        <fieldset>
          <legend>Production</legend>
          <Field name="productionBranch" label="Production branch" value={values.productionBranch} onChange={set('productionBranch')} required />
          <label className="checkbox">
            <input type="checkbox" checked={values.autoPromote} onChange={(event) => set('autoPromote')(event.target.checked)} />
            Put each successful build of the production branch live
          </label>
          <Field
            name="skewWindowDays"
            label="Skew protection window (days)"
            hint="How long pages of an earlier release still get their files after a new one; 0 turns it off."
            value={values.skewWindowDays}
            onChange={set('skewWindowDays')}
            inputMode="numeric"
            required
          />
          <Field
            name="skewMaxDeployments"
            label="Earlier releases kept for skew protection"
            value={values.skewMaxDeployments}
            onChange={set('skewMaxDeployments')}
            inputMode="numeric"
            required
          />
        </fieldset>
        <fieldset>
          <legend>Git webhooks</legend>
          <label className="checkbox">
            <input type="checkbox" checked={values.deployTags} onChange={(event) => set('deployTags')(event.target.checked)} />
            Build each pushed tag as a preview
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={values.buildForkPullRequests}
              onChange={(event) => set('buildForkPullRequests')(event.target.checked)}
            />
            Build pull requests from forks (with none of the project’s variables)
          </label>
        </fieldset>
        <fieldset>
          <legend>Protection</legend>
          <label htmlFor="protection">Who must sign in</label>
          <select id="protection" value={values.protection} onChange={(event) => set('protection')(event.target.value)}>
            <option value="off">Nobody</option>
            <option value="previews">Visitors of previews (every address but production)</option>
            <option value="all">Every visitor</option>
          </select>
          <Field
            name="password"
            label="Password"
            type="password"
            hint={project.passwordSet ? 'A password is set; type a new one to replace it.' : 'Needed to turn protection on.'}
            value={values.password}
            onChange={set('password')}
          />
        </fieldset>
        <FormFooter message={result} busy={saving} label="Save" busyLabel="Saving…" />
      </form>
      <ProjectEnv project={project} onChanged={reload} />
      <CustomDomains project={project} />
      <GitWebhooks project={project} />
      <DeployHooks project={project} />
      <Notifications project={project} />
    </>
  );
}
