// The owner's dashboard (served by threatlab serve at /dashboard.js): sign in with an API key,
// see your models, the query ledger of your models as it grows, and your audits — started here,
// run as server jobs with live progress, their reports opened in a sandboxed frame.
// Every value from the server is written with textContent, never as HTML.

const KEY = 'threatlab-key';
let key = sessionStorage.getItem(KEY);
let timer;

const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  const json = (response.headers.get('content-type') || '').includes('json');
  const body = json ? await response.json() : await response.text();
  if (!response.ok) throw new Error(json && body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

function row(cells, attributes = {}) {
  const tr = document.createElement('tr');
  for (const [name, value] of Object.entries(attributes)) tr.setAttribute(name, value);
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof Node) td.append(cell);
    else td.textContent = String(cell);
    tr.append(td);
  }
  return tr;
}

function button(text, onClick, attributes = {}) {
  const b = document.createElement('button');
  b.textContent = text;
  for (const [name, value] of Object.entries(attributes)) b.setAttribute(name, value);
  b.addEventListener('click', onClick);
  return b;
}

function policyText(policy) {
  if (policy.kind === 'rounded') return `rounded:${policy.decimals}`;
  if (policy.kind === 'top-k') return `top-k:${policy.k}`;
  return policy.kind;
}

function showError(message) {
  $('error').textContent = message;
}

async function startAudit(modelId) {
  showError('');
  const sensitive = $('sensitive').value.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    await api(`/v1/models/${encodeURIComponent(modelId)}/audit`, { method: 'POST', body: JSON.stringify({ quick: true, sensitive }) });
    await refreshJobs();
  } catch (error) {
    showError(error.message);
  }
}

async function openReport(jobId) {
  const html = await api(`/v1/jobs/${encodeURIComponent(jobId)}/report.html`);
  const frame = $('report');
  frame.srcdoc = html;
  frame.hidden = false;
  frame.setAttribute('data-job', jobId);
}

async function refreshModels() {
  const { models } = await api('/v1/models');
  const body = $('models').querySelector('tbody');
  body.replaceChildren(
    ...models
      .filter((model) => model.owned)
      .map((model) =>
        row(
          [model.name, model.kind, `${model.schema.features.length} features`, model.classes.join(', ') || '—', policyText(model.policy), model.price, model.visibility, button('Audit', () => startAudit(model.id), { 'data-audit': model.id })],
          { 'data-model': model.id },
        ),
      ),
  );
}

async function refreshLedger() {
  const usage = await api('/v1/usage');
  $('owner').textContent = usage.owner;
  $('totals').textContent = `${usage.modelTotals.queries} queries on your models, ${usage.modelTotals.cost} earned`;
  const body = $('ledger').querySelector('tbody');
  body.replaceChildren(...usage.models.map((entry) => row([entry.keyPrefix, entry.owner, entry.modelId, entry.requests, entry.queries, entry.cost], { 'data-key': entry.keyPrefix, 'data-model': entry.modelId })));
  const alerts = $('alerts').querySelector('tbody');
  alerts.replaceChildren(...usage.alerts.map((alert) => row([alert.keyPrefix, alert.modelId, alert.detector, alert.statistic.toFixed(3), alert.queries, alert.action, alert.createdAt], { 'data-alert': alert.keyPrefix })));
}

async function cancelJob(jobId) {
  showError('');
  try {
    await api(`/v1/jobs/${encodeURIComponent(jobId)}/cancel`, { method: 'POST' });
    await refreshJobs();
  } catch (error) {
    showError(error.message);
  }
}

async function refreshJobs() {
  const { jobs } = await api('/v1/jobs');
  const body = $('jobs').querySelector('tbody');
  body.replaceChildren(
    ...jobs.map((job) => {
      const audit = job.result && job.result.type === 'audit';
      const verdicts = audit ? job.result.verdicts.map((v) => `${v.threat}: ${v.level}`).join('; ') : job.error ? job.error.message : job.modelId ? `trained ${job.modelId}` : '';
      const open = audit ? button('Open report', () => openReport(job.id), { 'data-open': job.id }) : job.status === 'queued' || job.status === 'running' ? button('Cancel', () => cancelJob(job.id), { 'data-cancel': job.id }) : '';
      const progress = document.createElement('progress');
      progress.max = 1;
      progress.value = job.progress;
      return row([job.id, job.status, progress, verdicts, open], { 'data-job': job.id, 'data-status': job.status });
    }),
  );
}

async function refresh() {
  try {
    await Promise.all([refreshLedger(), refreshJobs()]);
  } catch (error) {
    showError(error.message);
  }
}

async function signIn(candidate) {
  key = candidate;
  try {
    await api('/v1/usage');
  } catch (error) {
    key = null;
    sessionStorage.removeItem(KEY);
    showError(`sign-in failed: ${error.message}`);
    return;
  }
  sessionStorage.setItem(KEY, candidate);
  showError('');
  $('signin').hidden = true;
  $('main').hidden = false;
  await refreshModels();
  await refresh();
  clearInterval(timer);
  timer = setInterval(refresh, 1500);
}

$('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('key').value.trim());
});
$('signout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  clearInterval(timer);
  window.location.reload();
});
if (key) signIn(key);
