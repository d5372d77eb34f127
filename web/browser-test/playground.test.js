// The playground in a real browser: gqlbff --demo, the system's Chromium
// driven by playwright-core, the default operation run with one click.
// `make test-browser` builds bin/gqlbff (with the playground assets) and
// installs what this needs, then runs `node --test` here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = process.env.GQLBFF_BIN || join(root, 'bin/gqlbff');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('artifacts/', import.meta.url));
const modules = fileURLToPath(new URL('node_modules/', import.meta.url));

const cleanups = [];
after(async () => {
  for (const f of cleanups.reverse()) await f();
});

async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// startGqlbff runs `binary --demo` on a free loopback port and resolves
// with the playground's origin, read from the URL it prints, and a getter
// of what it logged.
function startGqlbff(binary) {
  const proc = spawn(binary, ['--demo'], {
    env: { ...process.env, GQLBFF_LISTEN: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise((r) => proc.once('exit', r));
  cleanups.push(async () => {
    if (proc.exitCode === null) proc.kill('SIGTERM');
    await exited;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gqlbff printed no playground URL in 30 s:\n' + stderr)), 30_000);
    proc.on('exit', (code) => reject(new Error(`gqlbff exited with ${code}:\n${stderr}`)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = /^playground: (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ origin: m[1], logs: () => stderr });
      }
    });
  });
}

// openBrowser starts Chromium with a fresh profile and records every
// request and every console error (CSP violations included) of its page.
async function openBrowser() {
  const context = await chromium.launchPersistentContext(await tempDir('gqlbff-chromium-'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  cleanups.push(() => context.close());
  const requests = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] || (await context.newPage());
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Name the request behind any failed answer, not only that it failed.
  page.on('response', (r) => {
    if (r.status() >= 400) {
      const body = (r.request().postData() || '').slice(0, 300);
      problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()} ${body}`);
    }
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`),
    );
  });
  return { context, page, requests, problems };
}

// local: the page may load from gqlbff and from data: URLs (GraphiQL's
// inlined fonts), which are no request at all.
function local(origin, url) {
  return url.startsWith(origin + '/') || url.startsWith('data:');
}

const dashboard = await readFile(join(root, 'testdata/operations/dashboard.graphql'), 'utf8');

// askDirectly runs the dashboard against the API itself: the pane must show
// the same answer.
// It sends the headers the playground sends by default (in demo mode, the
// dev token), so this also checks that the playground's token works.
async function askDirectly(origin) {
  const cfg = await (await fetch(origin + '/playground/config.json')).json();
  assert.ok(cfg.headers.Authorization, 'demo mode pre-fills an Authorization header');
  const res = await fetch(origin + '/graphql', {
    method: 'POST',
    headers: { ...cfg.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: dashboard }),
  });
  assert.equal(res.status, 200);
  const want = await res.json();
  assert.equal(want.errors, undefined, 'the demo dashboard answers without errors');
  assert.equal(want.data.dashboard.recentOrders.length, 10);
  assert.equal(want.data.dashboard.topCustomers.length, 5);
  assert.ok(want.data.dashboard.summary.orderCount > 0);
  return want;
}

// runDashboard opens the playground, checks its tabs, runs the first one
// with one click and checks the answer pane against want.
async function runDashboard(page, origin, want, policyOrigins) {
  const res = await page.goto(origin + '/', { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  const policy = res.headers()['content-security-policy'];
  assert.match(policy, new RegExp(`script-src ${policyOrigins};`));
  assert.match(policy, new RegExp(`style-src ${policyOrigins} 'nonce-[A-Za-z0-9+/=]{24}';`));
  assert.match(policy, /connect-src 'self';/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);

  // The example operations are open as tabs, the dashboard first.
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  const tabs = await page.locator('.graphiql-tab').allInnerTexts();
  assert.deepEqual(
    tabs.map((t) => t.trim()),
    ['Dashboard', 'CustomersByIds', 'Me', 'OrderDetail', 'OrdersFanout'],
  );
  const query = await page.evaluate(
    () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
  );
  assert.equal(query, dashboard);

  const answered = page.waitForResponse(
    (r) => r.url() === origin + '/graphql' && (r.request().postData() || '').includes('query Dashboard'),
  );
  await page.locator('.graphiql-execute-button').click();
  const got = await (await answered).json();

  // The pane shows the whole response (data, errors and extensions
  // alike), and its data is what the API answered directly.
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue().includes('"dashboard"'),
    null,
    { timeout: 20_000 },
  );
  const pane = JSON.parse(
    await page.evaluate(() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()),
  );
  assert.deepEqual(pane, got, 'the pane shows the response as received');
  assert.deepEqual(pane.data, want.data, 'the pane shows the data the API answers');
  const newest = want.data.dashboard.recentOrders[0].id;
  assert.ok((await page.locator('.graphiql-response').innerText()).includes(newest), `${newest} is on screen`);
}

// openDialogs opens GraphiQL's dialogs, which inject the one inline style
// GraphiQL has (the scroll lock): it must pass the CSP through the page's
// nonce. The docs explorer renders from introspection.
async function openDialogs(page) {
  for (const label of ['Open settings dialog', 'Open short keys dialog']) {
    await page.getByLabel(label).click();
    await page.locator('.graphiql-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.locator('.graphiql-dialog').waitFor({ state: 'detached' });
  }
  await page.getByLabel('Show Documentation Explorer').click();
  await page.locator('.graphiql-doc-explorer-root-type').first().waitFor();
}

test('the embedded playground runs the dashboard with one click, offline, within its CSP', async () => {
  const { origin } = await startGqlbff(bin);
  await mkdir(artifacts, { recursive: true });
  const want = await askDirectly(origin);
  const { context, page, requests, problems } = await openBrowser();
  // A request elsewhere is recorded and fails the test below; aborting it
  // keeps the test from waiting on a network there is none of.
  await context.route((url) => !local(origin, url.href), (route) => route.abort());

  await runDashboard(page, origin, want, `'self'`);
  await page.screenshot({ path: join(artifacts, 'playground.png') });
  await openDialogs(page);
  await page.screenshot({ path: join(artifacts, 'playground-docs.png') });

  assert.deepEqual(requests.filter((u) => !local(origin, u)), [], 'no request left gqlbff');
  assert.ok(requests.some((u) => u.endsWith('/playground.js')), 'the bundled GraphiQL was loaded');
  assert.deepEqual(problems, [], 'no console errors');
});

// The CDN's files, as the CDN serves them: verbatim from the npm packages
// (the page's SRI hashes prove they are the same bytes).
const cdnFiles = {
  'https://cdn.jsdelivr.net/npm/react@18.2.0/umd/react.production.min.js': 'cdn-react/umd/react.production.min.js',
  'https://cdn.jsdelivr.net/npm/react-dom@18.2.0/umd/react-dom.production.min.js':
    'cdn-react-dom/umd/react-dom.production.min.js',
  'https://cdn.jsdelivr.net/npm/graphiql@4.1.2/graphiql.min.js': 'cdn-graphiql/graphiql.min.js',
  'https://cdn.jsdelivr.net/npm/graphiql@4.1.2/graphiql.min.css': 'cdn-graphiql/graphiql.min.css',
};

// buildWithoutAssets builds the same binary, but with the bundle hidden
// from go:embed: what a plain go build or go install makes.
async function buildWithoutAssets() {
  const dir = await tempDir('gqlbff-cdn-');
  const overlay = join(dir, 'overlay.json');
  const cdnBin = join(dir, 'gqlbff');
  await writeFile(overlay, JSON.stringify({ Replace: { [join(root, 'server/playground/assets/playground.js')]: '' } }));
  execFileSync('go', ['build', '-overlay', overlay, '-o', cdnBin, './cmd/gqlbff'], { cwd: root, stdio: 'inherit' });
  return cdnBin;
}

test('built without the assets, the playground loads GraphiQL from the CDN and says so', async () => {
  const cdnBin = await buildWithoutAssets();
  const { origin, logs } = await startGqlbff(cdnBin);
  const cdnLines = logs()
    .split('\n')
    .filter((l) => l.includes('CDN'));
  assert.equal(cdnLines.length, 1, `one log line about the CDN, got:\n${logs()}`);

  const want = await askDirectly(origin);
  const { context, page, requests, problems } = await openBrowser();
  await context.route(
    (url) => !local(origin, url.href),
    async (route) => {
      const file = cdnFiles[route.request().url()];
      if (!file) return route.abort();
      return route.fulfill({
        body: await readFile(join(modules, file)),
        contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript',
        headers: { 'Access-Control-Allow-Origin': '*' },
      });
    },
  );

  await runDashboard(page, origin, want, `'self' https://cdn\\.jsdelivr\\.net`);
  await openDialogs(page);
  await page.screenshot({ path: join(artifacts, 'playground-cdn.png') });

  const outside = [...new Set(requests.filter((u) => !local(origin, u)))].sort();
  assert.deepEqual(outside, Object.keys(cdnFiles).sort(), 'only the pinned CDN files were fetched');
  assert.deepEqual(problems, [], 'no console errors');
});

test('built without the assets and offline, the page says why the playground cannot load and how to fix it', async () => {
  const { origin } = await startGqlbff(await buildWithoutAssets());
  const { context, page } = await openBrowser();
  await context.route((url) => !local(origin, url.href), (route) => route.abort());
  await page.goto(origin + '/');
  const alert = page.locator('#graphiql [role="alert"]');
  await alert.waitFor({ timeout: 15_000 });
  const text = await alert.innerText();
  for (const want of ['could not load GraphiQL', 'cdn.jsdelivr.net', 'make build', 'go build']) {
    assert.ok(text.includes(want), `the message names ${want}: ${text}`);
  }
  assert.equal(await page.locator('.gqlbff-loading').count(), 0, 'no "Loading…" left on the page');
  await page.screenshot({ path: join(artifacts, 'playground-offline.png') });
});

// The headers the server puts in /playground/config.json (in demo mode:
// the dev token) fill the headers editor of every tab and go with every
// request. The config is amended here with one more header.
test('headers from the playground config pre-fill the editor and are sent', async () => {
  const { origin } = await startGqlbff(bin);
  const { context, page, problems } = await openBrowser();
  await context.route((url) => !local(origin, url.href), (route) => route.abort());
  await page.route(origin + '/playground/config.json', async (route) => {
    const res = await route.fetch();
    const cfg = await res.json();
    cfg.headers = { ...cfg.headers, 'X-Playground-Test': 'from-config' };
    return route.fulfill({ response: res, json: cfg });
  });
  await page.goto(origin + '/');
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  const editors = await page.evaluate(() =>
    [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')].map((e) => e.CodeMirror.getValue()),
  );
  assert.ok(
    editors.some((v) => {
      const h = JSON.parse(v || 'null');
      return h && h['X-Playground-Test'] === 'from-config' && /^Bearer /.test(h.Authorization || '');
    }),
    `the headers editor holds the config's headers, got ${JSON.stringify(editors)}`,
  );
  await page.locator('.graphiql-tab').nth(1).click();
  // GraphiQL names the operation to run from the query editor, debounced:
  // run the tab once its editor holds its operation and the name has caught
  // up, or it sends the first tab's name with the second tab's query.
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.graphiql-query-editor .CodeMirror')].some((e) =>
      e.CodeMirror.getValue().includes('CustomersByIds'),
    ),
  );
  await page.waitForTimeout(500);
  const sent = page.waitForRequest((r) => r.url() === origin + '/graphql' && r.postData().includes('CustomersByIds'));
  await page.locator('.graphiql-execute-button').click();
  const headers = (await sent).headers();
  assert.equal(headers['x-playground-test'], 'from-config', 'the second tab sends them too');
  assert.match(headers.authorization || '', /^Bearer /, 'with the dev token');
  assert.deepEqual(problems, [], 'no console errors');
});

// queryDocs opens the docs at the Query type and answers its fields' names,
// the deprecated ones shown, and the deprecation notes on the page.
async function queryDocs(page) {
  await page.getByLabel('Show Documentation Explorer').click();
  await page.locator('.graphiql-doc-explorer-root-type').first().waitFor();
  await page.locator('.graphiql-doc-explorer-content .graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click();
  await page.getByText('Show Deprecated Fields').click();
  await page.locator('.graphiql-doc-explorer-deprecation').first().waitFor();
  const fields = await page.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
  const notes = await page.locator('.graphiql-doc-explorer-deprecation').allInnerTexts();
  return { fields, notes };
}

// customerFields goes on from the Query type's docs to the Customer type's
// and answers its fields' names.
async function customerFields(page) {
  await page.locator('.graphiql-doc-explorer-content .graphiql-doc-explorer-type-name', { hasText: /^Customer$/ }).first().click();
  await page.locator('.graphiql-doc-explorer-title', { hasText: /^Customer$/ }).waitFor();
  return page.locator('.graphiql-doc-explorer-field-name').allInnerTexts();
}

// /?profile=partner: the partner's contract in the docs (no
// Customer.email, which web's docs show), deprecation reasons in both, and
// only the trusted operations the partner can run, sent by documentId.
test('as a partner, the playground shows its contract and runs its trusted operations by id', async () => {
  const { origin } = await startGqlbff(bin);
  const { context, page, problems } = await openBrowser();
  await context.route((url) => !local(origin, url.href), (route) => route.abort());

  await page.goto(origin + '/');
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  const web = await queryDocs(page);
  assert.ok(web.notes.some((n) => n.includes('Use customers(ids:)')), `web's docs show the deprecation reason: ${web.notes}`);
  assert.ok((await customerFields(page)).some((f) => f.trim() === 'email'), "web's docs show Customer.email");

  await page.goto(origin + '/?profile=partner');
  await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
  assert.match(await page.title(), /partner/);
  const tabs = await page.locator('.graphiql-tab').allInnerTexts();
  assert.deepEqual(
    tabs.map((t) => t.trim()),
    ['Dashboard', 'CustomersByIds', 'OrdersFanout'],
  );
  const sent = page.waitForRequest((r) => r.url() === origin + '/graphql' && (r.postData() || '').includes('documentId'));
  const answered = page.waitForResponse((r) => r.url() === origin + '/graphql' && (r.request().postData() || '').includes('documentId'));
  await page.locator('.graphiql-execute-button').click();
  const body = JSON.parse((await sent).postData());
  assert.equal(body.query, undefined, 'the partner sends the id, not the text');
  const got = await (await answered).json();
  assert.equal(got.errors, undefined, `the partner's dashboard answers: ${JSON.stringify(got)}`);
  assert.equal(got.data.dashboard.recentOrders.length, 10);

  const partner = await queryDocs(page);
  assert.ok(partner.notes.some((n) => n.includes('Use customers(ids:)')), `the partner's docs show the deprecation reason: ${partner.notes}`);
  const fields = (await customerFields(page)).map((f) => f.trim());
  assert.ok(fields.includes('name') && !fields.includes('email'), `the partner's docs: Customer has ${fields}, want no email`);
  await page.screenshot({ path: join(artifacts, 'playground-partner.png') });
  assert.deepEqual(problems, [], 'no console errors');
});
