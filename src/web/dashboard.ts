/**
 * The owner's dashboard that `threatlab serve` answers at `/`: plain server-written HTML and one
 * small script (dashboard.js, served from its own URL so the page's Content-Security-Policy can
 * forbid inline script). The script talks to the same JSON API as any client, with the key the
 * owner signs in with (kept in the tab's sessionStorage only).
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The dashboard's script. */
export const DASHBOARD_SCRIPT = readFileSync(join(import.meta.dirname, 'dashboard.js'), 'utf8');

/** Content-Security-Policy of the dashboard: its own script only, no other origin; reports framed from srcdoc. */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; form-action 'none'; base-uri 'none'";

/** The dashboard page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>threatlab — your models</title><link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left}
#error{color:#c62828}iframe{width:100%;height:900px;border:1px solid #ccc}
</style></head><body>
<h1>threatlab</h1>
<p id="error" role="alert"></p>
<form id="signin"><label>API key <input id="key" type="password" autocomplete="off" size="50"></label> <button type="submit">Sign in</button>
<p>An owner's key (from <code>threatlab owners create NAME</code>). It stays in this tab.</p></form>
<div id="main" hidden>
<p>Signed in as <b id="owner"></b>. <span id="totals"></span> <button id="signout" type="button">Sign out</button></p>
<h2>Your models</h2>
<p><label>Sensitive columns to invert in audits (comma-separated): <input id="sensitive" size="40"></label></p>
<table id="models"><thead><tr><th>name</th><th>kind</th><th>features</th><th>classes</th><th>policy</th><th>price</th><th>visibility</th><th></th></tr></thead><tbody></tbody></table>
<h2>Queries on your models</h2>
<table id="ledger"><thead><tr><th>key</th><th>client</th><th>model</th><th>requests</th><th>queries</th><th>earned</th></tr></thead><tbody></tbody></table>
<h2>Extraction alerts</h2>
<table id="alerts"><thead><tr><th>key</th><th>model</th><th>detector</th><th>statistic</th><th>after queries</th><th>action</th><th>when</th></tr></thead><tbody></tbody></table>
<h2>Audits and jobs</h2>
<table id="jobs"><thead><tr><th>job</th><th>status</th><th>progress</th><th>verdicts</th><th></th></tr></thead><tbody></tbody></table>
<iframe id="report" title="audit report" sandbox hidden></iframe>
</div>
<script src="/dashboard.js"></script>
</body></html>
`;
