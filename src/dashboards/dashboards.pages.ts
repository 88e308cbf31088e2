/** The two small HTML pages the service itself renders under /dashboards (no scripts from elsewhere). */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}button{font:inherit;padding:.4rem 1rem;margin-top:.6rem}
.error{color:#b00020}code{background:#f3f3f3;padding:0 .2rem}`;

/** Shown until the first build exists; reloads itself. */
export function beingBuiltPage(state: { building: boolean; warehouse: boolean; lastError?: string }): string {
  const lines = state.building
    ? ['The dashboards are being built from the warehouse. This takes about a minute.']
    : state.warehouse
      ? ['The dashboards are being built: the first build starts shortly after the service starts.']
      : [
          'The dashboards are being built once the warehouse exists: it loads in the background',
          '(or start it with <code>POST /api/v1/warehouse/refresh</code>).',
        ];
  const error = state.lastError
    ? `<p class="error">The last build failed; it is retried when the warehouse changes:</p><pre>${escapeHtml(state.lastError)}</pre>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="15">
<title>Dashboards are being built</title><style>${STYLE}</style></head>
<body><h1>Dashboards are being built</h1><p>${lines.join(' ')}</p>${error}<p>This page reloads itself.</p></body></html>`;
}

/** Sign-in with an API key; the key goes in a JSON POST body (never in a URL or a log line). */
export function loginPage(next: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to the dashboards</title>
<style>${STYLE}</style></head><body><h1>Ledgerline dashboards</h1>
<p>Sign in with an API key whose role may read reports (admin, finance or analyst).</p>
<form id="login"><label for="key">API key</label><input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit">Sign in</button></form><p id="error" class="error" role="alert"></p>
<script>
document.getElementById('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/dashboards/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: document.getElementById('key').value }) });
  if (res.ok) { location.assign(${JSON.stringify(next)}); return; }
  const body = await res.json().catch(() => ({}));
  document.getElementById('error').textContent = body.detail || 'Sign-in failed.';
});
</script></body></html>`;
}

/** Only same-site paths under /dashboards are followed after sign-in. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/dashboards(\/[^\\]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : '/dashboards/';
}
