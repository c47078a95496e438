// A secret the server shows only in the answer that made it (a hook's URL, a signing
// secret), with a copy button.
export default function ShownOnce({ label, value }) {
  return (
    <div className="confirm" role="status">
      <p>{label}, shown only now:</p>
      <code className="hook-url">{value}</code>
      <button type="button" className="button small" onClick={() => navigator.clipboard?.writeText(value)}>
        Copy
      </button>
    </div>
  );
}
