// The projects: each with its production address, and a form that creates one.
import { useEffect, useState } from 'react';
import { createProject, listProjects } from './api.js';
import Field, { FormFooter } from './Field.jsx';
import { handOver } from './ShownOnce.jsx';
import { Link, navigate, projectPath } from './router.jsx';

// The API's messages name the field they are about; anything else is about the name.
function fieldOf(message) {
  if (/repoUrl|repository/i.test(message)) return 'repoUrl';
  if (/productionBranch|branch/i.test(message)) return 'productionBranch';
  return 'name';
}

function NewProject() {
  const [values, setValues] = useState({ name: '', repoUrl: '', productionBranch: '' });
  const [errors, setErrors] = useState({});
  const [submitting, setSubmitting] = useState(false);
  const [formError, setFormError] = useState(null);
  const set = (field) => (value) => {
    setValues((current) => ({ ...current, [field]: value }));
    setErrors((current) => ({ ...current, [field]: undefined }));
  };

  const submit = async (event) => {
    event.preventDefault();
    setFormError(null);
    const missing = {};
    if (!values.name.trim()) missing.name = 'Give the project a name, like shop: it becomes its address.';
    if (!values.repoUrl.trim()) missing.repoUrl = 'Enter the URL of the Git repository to build.';
    setErrors(missing);
    if (Object.keys(missing).length > 0) return;
    setSubmitting(true);
    try {
      const created = await createProject({
        name: values.name.trim(),
        repoUrl: values.repoUrl.trim(),
        productionBranch: values.productionBranch.trim(),
      });
      handOver(`webhook-secret:${created.name}`, created.webhookSecret);
      navigate(projectPath(created.name));
    } catch (error) {
      if ([400, 409, 422].includes(error.status)) setErrors({ [fieldOf(error.message)]: error.message });
      else setFormError(error.message);
      setSubmitting(false);
    }
  };

  return (
    <form className="card deploy-form" onSubmit={submit} noValidate aria-labelledby="new-project-title">
      <h2 id="new-project-title" className="section-title">
        New project
      </h2>
      <Field
        name="name"
        label="Project name"
        hint="Lowercase letters, digits and single hyphens: the project's address is <name>.<domain>."
        value={values.name}
        onChange={set('name')}
        error={errors.name}
        placeholder="shop"
        required
      />
      <Field
        name="repoUrl"
        label="Repository URL"
        value={values.repoUrl}
        onChange={set('repoUrl')}
        error={errors.repoUrl}
        placeholder="https://github.com/owner/app.git"
        inputMode="url"
        required
      />
      <Field
        name="productionBranch"
        label="Production branch"
        hint="Empty: the repository's default branch."
        value={values.productionBranch}
        onChange={set('productionBranch')}
        error={errors.productionBranch}
        placeholder="main"
      />
      <FormFooter message={formError && { ok: false, text: formError }} busy={submitting} label="Create project" busyLabel="Creating…" />
    </form>
  );
}

export default function ProjectsView() {
  const [projects, setProjects] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    let stopped = false;
    listProjects()
      .then((list) => !stopped && setProjects(list))
      .catch((failure) => !stopped && setError(failure.message));
    return () => {
      stopped = true;
    };
  }, []);

  return (
    <>
      <section className="card" aria-labelledby="projects-title">
        <h1 id="projects-title">Projects</h1>
        <p className="lead">A project keeps one address for its production branch, one per branch, and every release to roll back to.</p>
        {error && <p className="form-error" role="alert">Cannot load the projects: {error}</p>}
        {projects === null && !error && <p className="muted">Loading…</p>}
        {projects?.length === 0 && <p className="muted">No projects yet: create one below.</p>}
        {projects?.length > 0 && (
          <ul className="project-list" aria-label="Projects">
            {projects.map((project) => (
              <li key={project.name} className="project-item">
                <Link to={projectPath(project.name)} className="project-name">
                  {project.name}
                </Link>
                <span className="muted">{project.repoUrl}</span>
                {project.productionDeploymentId ? (
                  <a href={project.url} target="_blank" rel="noreferrer">
                    {project.url}
                  </a>
                ) : (
                  <span className="muted">not live yet</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <NewProject />
    </>
  );
}
