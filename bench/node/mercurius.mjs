// mercurius (Fastify) with graphql-jit serving gqlbff's schema over the demo
// sources (common.mjs). Flags as the Go bench servers':
//   node mercurius.mjs -listen ADDR -orders-url U -customers-url U -analytics-url U [-manifest FILE]
import Fastify from 'fastify';
import mercurius from 'mercurius';

import { Sources, context, flags, manifest, schema, withDocument } from './common.mjs';

const f = flags(process.argv.slice(2), {
  listen: '127.0.0.1:8090', 'orders-url': '', 'customers-url': '', 'analytics-url': '', manifest: '', 'debug-listen': '',
});
const src = new Sources({ orders: f['orders-url'], customers: f['customers-url'], analytics: f['analytics-url'] });
const docs = manifest(f.manifest);
const app = Fastify({ logger: false, keepAliveTimeout: 60_000, rewriteUrl: (req) => withDocument(req.url, docs) });
app.get('/healthz', async () => ({ status: 'ok' }));
await app.register(mercurius, {
  schema: schema(),
  path: '/graphql',
  // Compile every query with graphql-jit from its first request on.
  jit: 1,
  context: (request) => context(src, request.headers.authorization),
});
const i = f.listen.lastIndexOf(':');
await app.listen({ host: f.listen.slice(0, i), port: Number(f.listen.slice(i + 1)) });
console.log(`mercurius serving at http://${f.listen}`);

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, async () => {
    await app.close();
    await src.close();
    process.exit(0);
  });
}
