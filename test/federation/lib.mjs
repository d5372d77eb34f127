// Helpers of the federation test: child processes with bounded waits, HTTP
// with timeouts, a counting proxy, the demo services' admin endpoint.
import { spawn } from 'node:child_process';
import http from 'node:http';

const HTTP_TIMEOUT_MS = 15_000;

// Processes and servers to stop at the end, whatever happens.
const running = [];

// start runs a command and keeps its output (for the failure report) and
// its stdout lines (for waitForLine).
export function start(name, cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = { name, child, lines: [], log: [], exited: null, waiters: new Set() };
  child.on('exit', (code, signal) => {
    proc.exited = { code, signal };
    for (const w of proc.waiters) w();
  });
  child.on('error', (err) => {
    proc.exited = { error: err.message };
    for (const w of proc.waiters) w();
  });
  let pending = '';
  child.stdout.on('data', (b) => {
    pending += b.toString();
    const parts = pending.split('\n');
    pending = parts.pop();
    proc.lines.push(...parts);
    proc.log.push(...parts);
    for (const w of proc.waiters) w();
  });
  child.stderr.on('data', (b) => proc.log.push(...b.toString().split('\n').filter(Boolean)));
  running.push({ name, stop: () => stopProcess(proc) });
  return proc;
}

// waitForLine resolves with the first match of re on a stdout line, or
// rejects when the process exits or ms pass.
export function waitForLine(proc, re, ms) {
  return new Promise((resolve, reject) => {
    let timer;
    const check = () => {
      for (const line of proc.lines) {
        const m = line.match(re);
        if (m) {
          done();
          return resolve(m);
        }
      }
      if (proc.exited) {
        done();
        reject(new Error(`${proc.name} exited (${JSON.stringify(proc.exited)}) before printing ${re}:\n${tail(proc)}`));
      }
    };
    const done = () => {
      clearTimeout(timer);
      proc.waiters.delete(check);
    };
    timer = setTimeout(() => {
      done();
      reject(new Error(`${proc.name}: no line matching ${re} within ${ms} ms:\n${tail(proc)}`));
    }, ms);
    proc.waiters.add(check);
    check();
  });
}

function tail(proc) {
  return proc.log.slice(-20).join('\n');
}

function stopProcess(proc) {
  if (proc.exited) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.child.kill('SIGKILL'), 5_000);
    proc.waiters.add(() => {
      if (proc.exited) {
        clearTimeout(kill);
        resolve();
      }
    });
    proc.child.kill('SIGTERM');
  });
}

// onCleanup registers a stop function for the end of the run.
export function onCleanup(name, stop) {
  running.push({ name, stop });
}

// cleanup stops everything started, newest first, each within 10 s.
export async function cleanup() {
  while (running.length > 0) {
    const r = running.pop();
    await Promise.race([
      Promise.resolve().then(r.stop).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
    ]);
  }
}

// post sends a JSON body and answers {status, headers, body}.
export async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url}: HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
  return { status: res.status, headers: res.headers, body: json };
}

// get answers the JSON body of a GET.
export async function get(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

// countingProxy forwards every request to target and records what reached
// it: the GraphQL query and the headers.
export async function countingProxy(target) {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let query = '';
      try {
        query = JSON.parse(body.toString()).query ?? '';
      } catch {}
      seen.push({ query, headers: { ...req.headers } });
      const up = http.request(
        new URL(req.url, target),
        { method: req.method, headers: { ...req.headers, host: new URL(target).host }, timeout: HTTP_TIMEOUT_MS },
        (upRes) => {
          res.writeHead(upRes.statusCode, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('timeout', () => up.destroy(new Error('upstream timeout')));
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup('proxy', () => new Promise((resolve) => server.close(resolve)));
  server.keepAliveTimeout = 1_000;
  return {
    url: `http://127.0.0.1:${server.address().port}/graphql`,
    seen,
    reset: () => seen.splice(0),
  };
}

// demoAdmin drives a demo service's admin endpoint (sources/demo/admin.go).
export function demoAdmin(base) {
  return {
    stats: () => get(`${base}/_demo/stats`),
    reset: () => post(`${base}/_demo/reset`, {}),
    faults: (f) => post(`${base}/_demo/faults`, f),
  };
}

// Checks: each runs in order, and the run closes with "N passed, N failed".
const results = [];

// Skip is thrown by a check that does not apply to this gqlbff.
export class Skip extends Error {}

export async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name}`);
  } catch (err) {
    if (err instanceof Skip) {
      results.push({ name, ok: true, skipped: true });
      console.log(`ok - ${name} # SKIP ${err.message}`);
      return;
    }
    results.push({ name, ok: false });
    console.log(`not ok - ${name}\n  ${String(err?.stack ?? err).split('\n').join('\n  ')}`);
  }
}

// summary prints the closing line and answers whether every check passed.
export function summary(extraFailures = 0) {
  const skipped = results.filter((r) => r.skipped).length;
  const passed = results.filter((r) => r.ok && !r.skipped).length;
  const failed = results.length - passed - skipped + extraFailures;
  console.log(`${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : ''));
  return failed === 0 && passed > 0;
}

// assert throws with got/want when cond is false.
export function assert(cond, what, got, want) {
  if (!cond) {
    throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

// The closed vocabulary of extensions.code (DESIGN.md).
const CODES = [
  'SOURCE_UNAVAILABLE', 'SOURCE_TIMEOUT', 'SOURCE_BAD_RESPONSE', 'UNAUTHENTICATED', 'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'COST_LIMIT_EXCEEDED',
  'RATE_LIMITED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_REQUIRED', 'INTERNAL',
];

// assertNothingLost checks HARDENING.md's invariant on an answer that went
// through the gateway, as internal/testkit does on gqlbff's own: every
// error has a code of the vocabulary and points at a null (or below one),
// and every null is explained by an error at its path or below it.
export function assertNothingLost(body) {
  const paths = (body.errors ?? []).map((e) => {
    assert(CODES.includes(e.extensions?.code), `code of the error at ${(e.path ?? []).join('.')}`, e.extensions?.code, CODES);
    return (e.path ?? []).join('.');
  });
  const nulls = [];
  const walk = (v, path) => {
    if (v === null) {
      if (path.length > 0) nulls.push(path.join('.'));
    } else if (typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    }
  };
  walk(body.data ?? null, []);
  for (const n of nulls) {
    assert(paths.some((p) => p === n || p.startsWith(`${n}.`)), `null at ${n}`, 'no error there', 'an error at its path');
  }
  for (const p of paths) {
    assert(nulls.some((n) => p === n || p.startsWith(`${n}.`)), `error at ${p}`, 'data there is not null', 'null');
  }
}
