// A project's own domains: each waits, saying which DNS record to set, until Reactor finds
// it pointing here; then it serves the project's production.
import { useState } from 'react';
import { addCustomDomain, listCustomDomains, removeCustomDomain } from './api.js';
import Field, { FormFooter } from './Field.jsx';
import { useEditableList } from './hooks.js';

const STATES = { pending_dns: 'Waiting for DNS', issuing: 'Getting its certificate', active: 'Active' };

function Records({ dns }) {
  return (
    <span className="muted">
      CNAME <code>{dns.cname}</code>
      {dns.addresses?.length > 0 && (
        <>
          {' '}
          or A/AAAA <code>{dns.addresses.join(', ')}</code>
        </>
      )}
    </span>
  );
}

export default function CustomDomains({ project }) {
  const { items: domains, busy, message, run } = useEditableList(() => listCustomDomains(project.name), project.name);
  const [domain, setDomain] = useState('');

  const add = (event) => {
    event.preventDefault();
    run(async () => {
      await addCustomDomain(project.name, domain.trim());
      setDomain('');
    });
  };

  return (
    <section className="card" aria-labelledby="domains-title">
      <h2 id="domains-title" className="section-title">
        Custom domains
      </h2>
      <p className="muted">Your own hostnames for this project's production. Reactor checks their DNS every few seconds.</p>
      {domains?.length > 0 ? (
        <ul className="project-list" aria-label="Custom domains">
          {domains.map((item) => (
            <li key={item.domain} className="project-item">
              <code>{item.domain}</code>
              <span className={item.state === 'active' ? 'badge badge-production' : 'badge'}>{STATES[item.state] ?? item.state}</span>
              {item.state === 'pending_dns' ? <Records dns={item.dns} /> : <span className="muted">serves production</span>}
              {item.error && <span className="muted">{item.error}</span>}
              <button
                type="button"
                className="button small"
                disabled={busy}
                aria-label={`Remove domain ${item.domain}`}
                onClick={() => run(() => removeCustomDomain(project.name, item.domain))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : (
        domains && <p className="muted">No custom domains yet.</p>
      )}
      <form onSubmit={add} noValidate aria-label="Add a custom domain">
        <Field name="customDomain" label="Domain" value={domain} onChange={setDomain} placeholder="www.example.com" required />
        <FormFooter message={message} busy={busy} label="Add domain" busyLabel="Adding…" primary={false} />
      </form>
    </section>
  );
}
