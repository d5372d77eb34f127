// Apollo Server 5 serving gqlbff's schema over the demo sources (common.mjs),
// on node:http through Apollo's integration API (executeHTTPGraphQLRequest),
// as @as-integrations packages do. Flags as the Go bench servers':
//   node apollo.mjs -listen ADDR -orders-url U -customers-url U -analytics-url U [-manifest FILE]
import { createServer } from 'node:http';

import { ApolloServer, HeaderMap } from '@apollo/server';

import { Sources, context, flags, manifest, schema, withDocument } from './common.mjs';

const f = flags(process.argv.slice(2), {
  listen: '127.0.0.1:8090', 'orders-url': '', 'customers-url': '', 'analytics-url': '', manifest: '', 'debug-listen': '',
});
const src = new Sources({ orders: f['orders-url'], customers: f['customers-url'], analytics: f['analytics-url'] });
const docs = manifest(f.manifest);
const server = new ApolloServer({
  schema: schema(),
  // The same CSRF rule as gqlbff: a GET needs a preflight header.
  csrfPrevention: { requestHeaders: ['graphql-preflight', 'x-apollo-operation-name', 'apollo-require-preflight'] },
  includeStacktraceInErrorResponses: false,
});
await server.start();

const http = createServer(async (req, res) => {
  try {
    const url = withDocument(req.url, docs);
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path !== '/graphql') {
      res.writeHead(404).end();
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString();
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body;
    if (req.method === 'POST' && raw !== '') {
      try {
        body = JSON.parse(raw);
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"the request body is not valid JSON"}]}');
        return;
      }
    }
    const out = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: q < 0 ? '' : url.slice(q + 1), body },
      context: async () => context(src, req.headers.authorization),
    });
    for (const [k, v] of out.headers) res.setHeader(k, v);
    res.statusCode = out.status ?? 200;
    if (out.body.kind === 'complete') {
      res.end(out.body.string);
      return;
    }
    for await (const chunk of out.body.asyncIterator) res.write(chunk);
    res.end();
  } catch (err) {
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(err) }] }));
  }
});
http.keepAliveTimeout = 60_000;
const [host, port] = [f.listen.slice(0, f.listen.lastIndexOf(':')), Number(f.listen.slice(f.listen.lastIndexOf(':') + 1))];
http.listen(port, host, () => console.log(`apollo serving at http://${f.listen}`));

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, async () => {
    http.close();
    http.closeIdleConnections();
    await server.stop();
    await src.close();
    process.exit(0);
  });
}
