// The playground in a real browser: gqlbff --demo, the system's Chromium
// driven by playwright-core, the default operation run with one click.
// `make test-browser` builds bin/gqlbff (with the playground assets) and
// installs what this needs, then runs `node --test` here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = process.env.GQLBFF_BIN || join(root, 'bin/gqlbff');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('artifacts/', import.meta.url));

let gqlbff; // the child process
let origin; // http://127.0.0.1:PORT
let stderr = '';
let userDataDir;

// startGqlbff runs gqlbff --demo on a free loopback port and resolves with
// the playground's origin, read from the URL it prints.
function startGqlbff() {
  gqlbff = spawn(bin, ['--demo'], {
    env: { ...process.env, GQLBFF_LISTEN: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gqlbff.stderr.on('data', (b) => (stderr += b));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gqlbff printed no playground URL in 30 s:\n' + stderr)), 30_000);
    gqlbff.on('exit', (code) => reject(new Error(`gqlbff exited with ${code}:\n${stderr}`)));
    createInterface({ input: gqlbff.stdout }).on('line', (line) => {
      const m = /^playground: (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
}

before(async () => {
  origin = await startGqlbff();
  userDataDir = await mkdtemp(join(tmpdir(), 'gqlbff-chromium-'));
  await mkdir(artifacts, { recursive: true });
});

after(async () => {
  if (gqlbff && gqlbff.exitCode === null) {
    const exited = new Promise((r) => gqlbff.once('exit', r));
    gqlbff.kill('SIGTERM');
    await exited;
  }
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

// sameOrigin: the page may load from gqlbff and from data: URLs (GraphiQL's
// inlined fonts), which are no request at all.
function sameOrigin(url) {
  return url.startsWith(origin + '/') || url.startsWith('data:');
}

test('the playground runs the dashboard with one click, offline, within its CSP', async () => {
  const dashboard = await readFile(join(root, 'testdata/operations/dashboard.graphql'), 'utf8');
  // What the API answers, asked directly: the pane must show the same.
  const direct = await fetch(origin + '/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: dashboard }),
  });
  assert.equal(direct.status, 200);
  const want = await direct.json();
  assert.equal(want.errors, undefined, 'the demo dashboard answers without errors');
  assert.equal(want.data.dashboard.recentOrders.length, 10);
  assert.equal(want.data.dashboard.topCustomers.length, 5);
  assert.ok(want.data.dashboard.summary.orderCount > 0);

  const context = await chromium.launchPersistentContext(userDataDir, {
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
  try {
    const requests = [];
    context.on('request', (r) => requests.push(r.url()));
    // Belt and braces: a request elsewhere is recorded above and fails the
    // test below; aborting it keeps the test from waiting on the network.
    await context.route((url) => !sameOrigin(url.href), (route) => route.abort());

    const page = context.pages()[0] || (await context.newPage());
    const problems = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // CSP violations also reach the console; report them by name.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`),
      );
    });

    const res = await page.goto(origin + '/', { waitUntil: 'load' });
    assert.equal(res.status(), 200);
    const policy = res.headers()['content-security-policy'];
    assert.match(policy, /script-src 'self';/);
    assert.match(policy, /style-src 'self' 'nonce-[A-Za-z0-9+/=]{24}';/);
    assert.match(policy, /connect-src 'self';/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|https:/);

    // The example operations are open as tabs, the dashboard first.
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 20_000 });
    const tabs = await page.locator('.graphiql-tab').allInnerTexts();
    assert.deepEqual(tabs.map((t) => t.trim()), [
      'Dashboard',
      'CustomersByIds',
      'Me',
      'OrderDetail',
      'OrdersFanout',
    ]);
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
    const visible = await page.locator('.graphiql-response').innerText();
    assert.ok(
      visible.includes(want.data.dashboard.recentOrders[0].id),
      `the newest order ${want.data.dashboard.recentOrders[0].id} is on screen`,
    );

    await page.screenshot({ path: join(artifacts, 'playground.png') });

    // The dialogs inject the one inline style GraphiQL has (the scroll
    // lock): it must pass the CSP through the page's nonce. And the docs
    // explorer renders from introspection, over connect-src 'self'.
    for (const label of ['Open settings dialog', 'Open short keys dialog']) {
      await page.getByLabel(label).click();
      await page.locator('.graphiql-dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.locator('.graphiql-dialog').waitFor({ state: 'detached' });
    }
    await page.getByLabel('Show Documentation Explorer').click();
    await page.locator('.graphiql-doc-explorer-root-type').first().waitFor();
    await page.screenshot({ path: join(artifacts, 'playground-docs.png') });

    const outside = requests.filter((u) => !sameOrigin(u));
    assert.deepEqual(outside, [], 'no request left gqlbff');
    assert.ok(requests.some((u) => u.endsWith('/playground.js')), 'the bundled GraphiQL was loaded, not the CDN one');
    assert.deepEqual(problems, [], 'no console errors');
  } finally {
    await context.close();
  }
});
