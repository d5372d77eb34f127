// make test-federation: gqlbff as an Apollo Federation v2 subgraph, composed
// with a reviews subgraph under a real Apollo Gateway (IntrospectAndCompose).
//
//   node run.mjs PATH/TO/gqlbff
//
// It starts the demo REST services and gqlbff (subgraph mode on) as
// processes, a counting proxy in front of gqlbff (what reaches it), the
// reviews subgraph and the gateway; runs the checks; stops everything, also
// on failure; and closes with "N passed, N failed".
import { createHmac } from 'node:crypto';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { parse } from 'graphql';
import { Skip, assert, assertNothingLost, check, cleanup, countingProxy, demoAdmin, onCleanup, post, start, summary, waitForLine } from './lib.mjs';
import { reviewsOf, startReviews, typeDefs as reviewsTypeDefs } from './reviews.mjs';

const RUN_TIMEOUT_MS = 240_000;
const START_TIMEOUT_MS = 60_000;

const bin = process.argv[2];
if (!bin) {
  console.error('usage: node run.mjs PATH/TO/gqlbff');
  process.exit(2);
}

// The headers a gateway forwards to gqlbff (README, "Federation").
const FORWARDED = ['authorization', 'traceparent', 'x-request-id'];

// A token for gqlbff's JWT policy (HS256 with a shared secret, DESIGN.md):
// the client's, forwarded by the gateway, and the gateway's own for
// composition. gqlbff ignores these settings while it verifies no tokens.
const JWT = { secret: 'federation-test-secret-of-at-least-32-bytes', issuer: 'federation-test', audience: 'gqlbff' };
function token(sub, scope) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub, scope, client: 'web', iss: JWT.issuer, aud: JWT.audience, iat: now, exp: now + 600,
  })}`;
  return `${body}.${createHmac('sha256', JWT.secret).update(body).digest('base64url')}`;
}
const ALL_SCOPES = 'orders:read customers:read analytics:read';
const clientToken = `Bearer ${token('c1', ALL_SCOPES)}`;
const gatewayToken = `Bearer ${token('gateway', ALL_SCOPES)}`;

async function startGqlbff(sources, federation) {
  const proc = start(`gqlbff (federation ${federation})`, bin, [], {
    ...sources,
    GQLBFF_LISTEN: '127.0.0.1:0',
    GQLBFF_GRAPHQL_FEDERATION: String(federation),
    GQLBFF_JWT_SECRET: JWT.secret,
    GQLBFF_JWT_ISSUER: JWT.issuer,
    GQLBFF_JWT_AUDIENCE: JWT.audience,
    GQLBFF_LOG_LEVEL: 'warn',
  });
  const [, url] = await waitForLine(proc, /serving GraphQL at (\S+)/, START_TIMEOUT_MS);
  return url;
}

async function startDemo() {
  const proc = start('demo-sources', bin, [
    'demo-sources', '--orders-addr', '127.0.0.1:0', '--customers-addr', '127.0.0.1:0', '--analytics-addr', '127.0.0.1:0',
  ]);
  const env = {};
  for (const name of ['ORDERS', 'CUSTOMERS', 'ANALYTICS']) {
    const [, url] = await waitForLine(proc, new RegExp(`^GQLBFF_${name}_URL=(\\S+)$`), START_TIMEOUT_MS);
    env[`GQLBFF_${name}_URL`] = url;
  }
  return env;
}

async function startGateway(subgraphs) {
  const logs = [];
  const logger = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((l) => [l, (m) => logs.push(`${l}: ${m}`)]));
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({ subgraphs }),
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request, context }) {
          const incoming = context?.headers;
          if (!incoming) {
            // Composition (_service): the gateway's own credentials.
            request.http.headers.set('authorization', gatewayToken);
            return;
          }
          for (const h of FORWARDED) {
            if (incoming[h]) request.http.headers.set(h, incoming[h]);
          }
        },
      }),
    logger,
  });
  // As in production: no stack traces in answers.
  const server = new ApolloServer({ gateway, logger, includeStacktraceInErrorResponses: false });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ headers: req.headers }),
  });
  onCleanup('gateway', () => server.stop());
  return { url, logs };
}

async function main() {
  const sources = await startDemo();
  const demo = {
    orders: demoAdmin(sources.GQLBFF_ORDERS_URL),
    customers: demoAdmin(sources.GQLBFF_CUSTOMERS_URL),
    analytics: demoAdmin(sources.GQLBFF_ANALYTICS_URL),
  };
  const gqlbffURL = await startGqlbff(sources, true);
  const proxy = await countingProxy(gqlbffURL);

  // The reviews reference real orders: the 20 newest, by their customers.
  const page = await post(gqlbffURL, { query: '{ orders(first: 20) { edges { node { id customer { id name } } } } }' },
    { authorization: clientToken });
  const orders = page.body.data.orders.edges.map((e) => ({ id: e.node.id, customerId: e.node.customer.id, customer: e.node.customer }));
  const reviews = reviewsOf(orders);
  const reviewsServer = await startReviews(reviews);
  onCleanup('reviews', reviewsServer.stop);

  const { url: gatewayURL } = await startGateway([
    { name: 'gqlbff', url: proxy.url },
    { name: 'reviews', url: reviewsServer.url },
  ]);

  const resetCounts = async () => {
    await Promise.all(Object.values(demo).map((d) => d.reset()));
    proxy.reset();
  };
  const calls = async () => {
    const out = {};
    for (const [name, d] of Object.entries(demo)) out[name] = (await d.stats()).calls;
    return out;
  };
  const client = { authorization: clientToken };
  const ask = async (query, variables, headers = client) => {
    const r = await post(gatewayURL, { query, variables }, headers);
    assert(r.status === 200, 'gateway status', r.status, 200);
    assertNothingLost(r.body);
    return r.body;
  };

  await check('_service { sdl } composes with the reviews subgraph: no errors, no hints', async () => {
    const r = await post(gqlbffURL, { query: '{ _service { sdl } }' }, { authorization: gatewayToken });
    const sdl = r.body.data?._service?.sdl;
    assert(typeof sdl === 'string' && sdl.includes('@key'), '_service.sdl has @key', sdl, 'an SDL with @key');
    for (const internal of ['@cost', '@listSize', '@authenticated', '@requiresScopes', '@entityResolver']) {
      assert(!sdl.includes(internal), `_service.sdl holds ${internal}`, internal, 'absent');
    }
    const result = composeServices([
      { name: 'gqlbff', url: proxy.url, typeDefs: parse(sdl) },
      { name: 'reviews', url: reviewsServer.url, typeDefs: reviewsTypeDefs },
    ]);
    assert(!result.errors, 'composition errors', result.errors?.map((e) => e.message), 'none');
    assert(result.hints.length === 0, 'composition hints', result.hints.map((h) => `${h.definition.code}: ${h.message}`), []);
  });

  await check('an order with its reviews and its customer', async () => {
    const o = orders[3];
    await resetCounts();
    const res = await ask(`query($id: ID!) { order(id: $id) {
      id status customer { id name } reviews { id rating body customer { id name } } } }`, { id: o.id });
    assert(!res.errors, 'errors', res.errors, 'none');
    const got = res.data.order;
    assert(got.id === o.id && got.customer.id === o.customerId && got.customer.name === o.customer.name,
      'order', got, { id: o.id, customer: o.customer });
    const want = reviews.filter((r) => r.orderId === o.id);
    assert(got.reviews.length === want.length && want.length > 0, 'reviews', got.reviews.map((r) => r.id), want.map((r) => r.id));
    for (const [i, r] of got.reviews.entries()) {
      assert(r.id === want[i].id && r.body === want[i].body && r.customer.id === o.customerId && r.customer.name === o.customer.name,
        `reviews.${i}`, r, want[i]);
    }
  });

  const reviewsQuery = '{ reviews { id order { id status customer { id name } } } }';

  await check('reviews with their orders\' customers: one _entities call, one customers batch call', async () => {
    await resetCounts();
    const res = await ask(reviewsQuery);
    assert(!res.errors, 'errors', res.errors, 'none');
    assert(res.data.reviews.length === reviews.length, 'reviews', res.data.reviews.length, reviews.length);
    for (const [i, r] of res.data.reviews.entries()) {
      const o = orders[i];
      assert(r.order.id === o.id && r.order.customer.id === o.customerId && r.order.customer.name === o.customer.name,
        `reviews.${i}.order`, r.order, { id: o.id, customer: o.customer });
    }
    const queries = proxy.seen.map((s) => s.query);
    assert(queries.length === 1 && queries[0].includes('_entities'), 'requests reaching gqlbff', queries, ['one _entities query']);
    const n = await calls();
    assert(n.customers === 1 && n.orders === 1 && n.analytics === 0, 'source calls', n, { orders: 1, customers: 1, analytics: 0 });
  });

  await check('the gateway forwards Authorization, traceparent and X-Request-Id to gqlbff', async () => {
    await resetCounts();
    const headers = {
      ...client,
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-request-id': 'federation-test-1',
    };
    const res = await ask(reviewsQuery, undefined, headers);
    assert(!res.errors, 'errors', res.errors, 'none');
    assert(proxy.seen.length === 1, 'requests reaching gqlbff', proxy.seen.length, 1);
    for (const h of FORWARDED) {
      assert(proxy.seen[0].headers[h] === headers[h], `header ${h} at gqlbff`, proxy.seen[0].headers[h], headers[h]);
    }
  });

  await check('policy through the gateway: a token without customers:read gets FORBIDDEN at the entity field', async () => {
    const anonymous = await post(gqlbffURL, { query: '{ __typename }' });
    if (anonymous.status !== 401) throw new Skip('this gqlbff verifies no tokens');
    await resetCounts();
    const res = await ask(reviewsQuery, undefined, { authorization: `Bearer ${token('c1', 'orders:read')}` });
    for (const [i, r] of res.data.reviews.entries()) {
      const path = `reviews.${i}.order.customer`;
      assert(r.order?.id === orders[i].id && r.order.customer === null, path, r.order, 'the order, customer null');
      const e = (res.errors ?? []).find((e) => (e.path ?? []).join('.') === path);
      assert(e?.extensions?.code === 'FORBIDDEN', `error at ${path}`, e?.extensions, { code: 'FORBIDDEN' });
    }
    // Not asserted here: that no customers call is made for the forbidden
    // fields. The lookahead prefetch of resolvers/ queues the customers of
    // a list of orders before the field's scope check runs (Query.orders has
    // the same gap); it is a prefetch matter, not a federation one.
  });

  await check('customers down: the gateway\'s answer carries gqlbff\'s codes at the right paths', async () => {
    await resetCounts();
    await demo.customers.faults({ down: true });
    try {
      const res = await ask(reviewsQuery);
      const errs = res.errors ?? [];
      for (const [i, r] of res.data.reviews.entries()) {
        assert(r.order?.id === orders[i].id && typeof r.order.status === 'string', `reviews.${i}.order`, r.order, 'the order, intact');
        assert(r.order.customer === null, `reviews.${i}.order.customer`, r.order.customer, null);
        const path = `reviews.${i}.order.customer`;
        const e = errs.find((e) => (e.path ?? []).join('.') === path);
        assert(e, `error at ${path}`, errs.map((e) => (e.path ?? []).join('.')), path);
        assert(e.extensions?.code === 'SOURCE_UNAVAILABLE' && e.extensions?.source === 'customers',
          `error at ${path}`, e.extensions, { code: 'SOURCE_UNAVAILABLE', source: 'customers' });
      }
      assert(errs.length === reviews.length, 'errors', errs.length, reviews.length);

      // An entity gqlbff cannot resolve at all: the Customer references of
      // the reviews, each reported at its own path.
      const o = orders[0];
      const res2 = await ask(`query($id: ID!) { order(id: $id) { id status customer { name } reviews { id customer { name } } } }`, { id: o.id });
      const want = ['order.customer', ...reviews.filter((r) => r.orderId === o.id).map((_, i) => `order.reviews.${i}.customer`)];
      const got = (res2.errors ?? []).map((e) => `${(e.path ?? []).join('.')} ${e.extensions?.code} ${e.extensions?.source}`).sort();
      assert(JSON.stringify(got) === JSON.stringify(want.map((p) => `${p} SOURCE_UNAVAILABLE customers`).sort()), 'errors', got, want);
      assert(res2.data.order.id === o.id && res2.data.order.customer === null, 'order', res2.data.order, 'the order, customer null');
    } finally {
      await demo.customers.faults({});
    }
  });

  await check('subgraph mode off: _entities and _service are validation errors', async () => {
    const offURL = await startGqlbff(sources, false);
    for (const query of ['{ _entities(representations: []) { __typename } }', '{ _service { sdl } }']) {
      // GraphQL over HTTP: a validation failure is 400 in an
      // application/graphql-response+json answer.
      const r = await post(offURL, { query }, { ...client, accept: 'application/graphql-response+json' });
      const code = r.body.errors?.[0]?.extensions?.code;
      assert(r.status === 400 && code === 'GRAPHQL_VALIDATION_FAILED', query, { status: r.status, code },
        { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
    }
  });
}

const timer = setTimeout(async () => {
  console.log(`not ok - the run took over ${RUN_TIMEOUT_MS} ms`);
  await cleanup();
  summary(1);
  process.exit(1);
}, RUN_TIMEOUT_MS);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(1);
  });
}

let setupFailed = 0;
try {
  await main();
} catch (err) {
  setupFailed = 1;
  console.log(`not ok - setup\n  ${String(err?.stack ?? err).split('\n').join('\n  ')}`);
} finally {
  await cleanup();
  clearTimeout(timer);
}
const ok = summary(setupFailed);
process.exit(ok ? 0 : 1);
