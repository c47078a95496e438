import { useState } from 'react';
import { createDeployment } from './api.js';
import Field, { FormFooter } from './Field.jsx';
import { BUILD_SETTINGS } from './model.js';

const EXAMPLE = 'https://github.com/owner/app.git';
const SCHEMES = ['https:', 'http:', 'git:', 'file:'];

// Client-side checks: the ones a user can fix at once. The server checks everything
// again and its 400 message is shown next to the field it names.
export function validate({ repoUrl, ref, rootDir }) {
  const errors = {};
  const url = repoUrl.trim();
  if (!url) {
    errors.repoUrl = `Enter the URL of a Git repository, like ${EXAMPLE}`;
  } else if (/\s/.test(url)) {
    errors.repoUrl = 'A repository URL cannot contain spaces.';
  } else {
    let parsed = null;
    try {
      parsed = new URL(url);
    } catch {
      // handled below
    }
    if (!parsed && /^[\w-]+(\.[\w-]+)+\/\S+/.test(url)) {
      errors.repoUrl = `That is not a URL: it needs its scheme, as in https://${url}`;
    } else if (!parsed || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
      errors.repoUrl = `That is not a URL. Use the repository's https address, like ${EXAMPLE}`;
    } else if (!SCHEMES.includes(parsed.protocol)) {
      errors.repoUrl = `Reactor clones over https, http or git, not ${parsed.protocol.slice(0, -1)}: use a URL like ${EXAMPLE}`;
    }
  }
  const branch = ref.trim();
  if (branch && (/\s/.test(branch) || branch.startsWith('-') || branch.includes('..'))) {
    errors.ref = 'A branch name cannot contain spaces or "..", nor start with "-".';
  }
  const dir = rootDir.trim();
  if (dir && (dir.startsWith('/') || dir.split('/').includes('..') || dir.includes('\\'))) {
    errors.rootDir = 'Give a folder inside the repository, like apps/web (no leading "/", no "..").';
  }
  return errors;
}

const FIELDS = ['ref', 'rootDir', 'env', ...BUILD_SETTINGS.map(({ name }) => name)];

// The API's 400 message names the field it is about ("ref …", "rootDir …"); anything
// else is about the URL.
function fieldOf(message) {
  return FIELDS.find((field) => new RegExp(`^${field}\\b`).test(message)) ?? 'repoUrl';
}

// Build variables: a name and a value per row, the value hidden as it is typed.
function EnvEditor({ rows, onChange, error }) {
  const set = (index, key) => (event) =>
    onChange(rows.map((row, at) => (at === index ? { ...row, [key]: event.target.value } : row)));
  return (
    <fieldset className={`env-editor${error ? ' has-error' : ''}`}>
      <legend>Build variables</legend>
      {rows.map((row, index) => (
        <div className="env-row" key={index}>
          <input aria-label={`Variable ${index + 1} name`} placeholder="VITE_API_URL" value={row.name} onChange={set(index, 'name')} autoComplete="off" spellCheck="false" />
          <input aria-label={`Variable ${index + 1} value`} type="password" placeholder="value" value={row.value} onChange={set(index, 'value')} autoComplete="new-password" />
          <button type="button" className="button small" onClick={() => onChange(rows.filter((_, at) => at !== index))} aria-label={`Remove variable ${index + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="button small" onClick={() => onChange([...rows, { name: '', value: '' }])}>
        Add variable
      </button>
      {error && <p className="field-error">{error}</p>}
    </fieldset>
  );
}

export default function DeployForm({ onDeployed }) {
  const [values, setValues] = useState(() => ({
    repoUrl: '',
    ref: '',
    rootDir: '',
    ...Object.fromEntries(BUILD_SETTINGS.map(({ name }) => [name, ''])),
  }));
  const [envRows, setEnvRows] = useState([]);
  const [errors, setErrors] = useState({});
  const [touched, setTouched] = useState({});
  const [submitting, setSubmitting] = useState(false);
  const [formError, setFormError] = useState(null);
  const [showOptions, setShowOptions] = useState(false);

  const set = (name) => (value) => {
    setValues((current) => ({ ...current, [name]: value }));
    // Re-check a field the user already left, so the message goes as soon as it is fixed.
    if (touched[name] || errors[name]) {
      const next = validate({ ...values, [name]: value });
      setErrors((current) => ({ ...current, [name]: next[name] }));
    }
  };

  const blur = (name) => () => {
    setTouched((current) => ({ ...current, [name]: true }));
    if (values[name].trim() === '' && name === 'repoUrl') return; // not before a submit
    setErrors((current) => ({ ...current, [name]: validate(values)[name] }));
  };

  const submit = async (event) => {
    event.preventDefault();
    setFormError(null);
    const found = validate(values);
    setErrors(found);
    setTouched({ repoUrl: true, ref: true, rootDir: true });
    if (Object.keys(found).length > 0) {
      if (found.ref || found.rootDir) setShowOptions(true);
      const first = event.currentTarget.querySelector(`[name="${Object.keys(found)[0]}"]`);
      first?.focus();
      return;
    }
    setSubmitting(true);
    const request = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.trim()]));
    const env = envRows.filter((row) => row.name.trim() !== '');
    if (env.length > 0) request.env = Object.fromEntries(env.map((row) => [row.name.trim(), row.value]));
    try {
      const created = await createDeployment(request);
      onDeployed(created, request);
    } catch (error) {
      if (error.status === 400) {
        const field = fieldOf(error.message);
        setErrors({ [field]: error.message });
        if (field !== 'repoUrl') setShowOptions(true);
      } else {
        setFormError(error.message);
      }
      setSubmitting(false);
    }
  };

  return (
    <form className="card deploy-form" onSubmit={submit} noValidate aria-labelledby="deploy-title">
      <h1 id="deploy-title">Deploy a React app</h1>
      <p className="lead">
        Paste the URL of a public Git repository. Reactor clones it, builds it in a sandbox and serves it at an
        address of its own.
      </p>
      <Field
        name="repoUrl"
        label="Git repository URL"
        value={values.repoUrl}
        onChange={set('repoUrl')}
        onBlur={blur('repoUrl')}
        error={errors.repoUrl}
        placeholder={EXAMPLE}
        inputMode="url"
        required
        autoFocus
      />
      <div className={`options${showOptions ? ' open' : ''}`}>
        <button
          type="button"
          className="options-toggle"
          aria-expanded={showOptions}
          aria-controls="deploy-options"
          onClick={() => setShowOptions((open) => !open)}
        >
          <span className="chevron" aria-hidden="true" />
          Branch, root directory and build settings
        </button>
        <div id="deploy-options" className="options-fields" hidden={!showOptions}>
          <Field
            name="ref"
            label="Branch"
            hint="A branch, tag or commit. Empty: the repository's default branch."
            value={values.ref}
            onChange={set('ref')}
            onBlur={blur('ref')}
            error={errors.ref}
            placeholder="main"
          />
          <Field
            name="rootDir"
            label="Root directory"
            hint="The folder holding package.json, for a monorepo. Empty: the repository root."
            value={values.rootDir}
            onChange={set('rootDir')}
            onBlur={blur('rootDir')}
            error={errors.rootDir}
            placeholder="apps/web"
          />
          {BUILD_SETTINGS.map(({ name, label, placeholder }) => (
            <Field key={name} name={name} label={label} value={values[name]} onChange={set(name)} error={errors[name]} placeholder={placeholder} />
          ))}
          <EnvEditor rows={envRows} onChange={setEnvRows} error={errors.env} />
        </div>
      </div>
      <FormFooter message={formError && { ok: false, text: formError }} busy={submitting} label="Deploy" busyLabel="Deploying…" />
    </form>
  );
}
