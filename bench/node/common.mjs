// What the two Node.js peers of `make bench` share: gqlbff's schema with
// resolvers over the demo sources, batched per request with DataLoader, the
// bench's tokens verified as gqlbff verifies them (HS256), the scopes of
// @requiresScopes enforced, and the trusted documents of the manifest.
//
// It is the server a team would write with these libraries: the idiomatic
// DataLoader per request (one batch per level of the query), keep-alive
// connection pools to the sources, no cost analysis or budgets (these
// servers have none).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import DataLoader from 'dataloader';
import { GraphQLError, Kind, buildASTSchema, defaultFieldResolver, isObjectType, parse, visit } from 'graphql';
import { Pool } from 'undici';

const here = dirname(fileURLToPath(import.meta.url));

// flags reads Go-style flags (-name value, -name=value, --name value).
export function flags(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !(m[1] in defaults)) throw new Error(`unknown flag ${argv[i]}`);
    out[m[1]] = m[2] ?? argv[++i];
  }
  return out;
}

// schema is gqlbff's public schema (schema/schema.graphqls) with its
// resolvers, and the scopes each field needs.
export function schema() {
  const sdl = readFileSync(join(here, '..', '..', 'schema', 'schema.graphqls'), 'utf8');
  const scopes = new Map(); // "Type.field" → [[scope, …], …]
  let type = '';
  const doc = visit(parse(sdl), {
    ObjectTypeDefinition: { enter(node) { type = node.name.value; } },
    FieldDefinition(node) {
      const d = node.directives?.find((d) => d.name.value === 'requiresScopes');
      if (d) scopes.set(`${type}.${node.name.value}`, valueOf(d.arguments[0].value));
    },
    // The policy and cost directives are gqlbff's; the peers serve the types.
    Directive: () => null,
  });
  const s = buildASTSchema(doc);
  for (const t of Object.values(s.getTypeMap())) {
    if (!isObjectType(t) || t.name.startsWith('__')) continue;
    for (const f of Object.values(t.getFields())) {
      const resolve = resolvers[t.name]?.[f.name] ?? defaultFieldResolver;
      const need = scopes.get(`${t.name}.${f.name}`);
      f.resolve = need ? guarded(need, resolve) : resolve;
    }
  }
  return s;
}

function valueOf(v) {
  return v.kind === Kind.LIST ? v.values.map(valueOf) : v.value;
}

// guarded runs resolve when the caller holds every scope of one of need's
// lists; else the field is FORBIDDEN, without a source call.
function guarded(need, resolve) {
  return (src, args, ctx, info) => {
    if (!need.some((all) => all.every((s) => ctx.scopes.has(s)))) {
      throw new GraphQLError('forbidden: missing scope', { extensions: { code: 'FORBIDDEN' } });
    }
    return resolve(src, args, ctx, info);
  };
}

// caller verifies the bearer token of an Authorization header value: HS256
// with GQLBFF_JWT_SECRET, not expired. No header is an anonymous caller.
export function caller(authorization) {
  if (!authorization) return { sub: '', scopes: new Set() };
  const m = /^Bearer (.+)$/.exec(authorization);
  const parts = m ? m[1].split('.') : [];
  const secret = process.env.GQLBFF_JWT_SECRET ?? '';
  if (parts.length !== 3 || !secret) throw unauthenticated();
  const want = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) throw unauthenticated();
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    throw unauthenticated();
  }
  if (header.alg !== 'HS256' || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw unauthenticated();
  return { sub: String(claims.sub ?? ''), scopes: new Set(String(claims.scope ?? '').split(' ').filter(Boolean)) };
}

function unauthenticated() {
  const err = new GraphQLError('invalid token', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  err.statusCode = 401; // Fastify's status for an error thrown before execution
  return err;
}

// manifest maps trusted document ids to their text (Apollo's manifest
// format); empty without a file.
export function manifest(path) {
  const out = new Map();
  if (!path) return out;
  for (const op of JSON.parse(readFileSync(path, 'utf8')).operations) out.set(op.id, op.body);
  return out;
}

// withDocument turns ?documentId=… into ?query=… with the trusted text;
// an unknown id is left for the server to refuse.
export function withDocument(url, docs) {
  const q = url.indexOf('?');
  if (q < 0 || !url.includes('documentId=')) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const text = docs.get(params.get('documentId'));
  if (text === undefined) return url;
  params.delete('documentId');
  params.set('query', text);
  return `${url.slice(0, q)}?${params}`;
}

// Sources are the three demo services behind keep-alive pools.
export class Sources {
  constructor({ orders, customers, analytics }) {
    const pool = (u) => new Pool(u, { connections: 128, pipelining: 1 });
    this.orders = pool(orders);
    this.customers = pool(customers);
    this.analytics = pool(analytics);
  }

  // get is GET path on pool, the JSON answer; null for a 404.
  async get(pool, path, params) {
    const qs = params ? `?${new URLSearchParams(params)}` : '';
    let res;
    try {
      res = await pool.request({ method: 'GET', path: path + qs });
    } catch (err) {
      throw new GraphQLError(`source unavailable: ${err.message}`, { extensions: { code: 'SOURCE_UNAVAILABLE' } });
    }
    if (res.statusCode === 404) {
      await res.body.dump();
      return null;
    }
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new GraphQLError(`source answered ${res.statusCode}`, { extensions: { code: 'SOURCE_UNAVAILABLE' } });
    }
    try {
      return await res.body.json();
    } catch {
      throw new GraphQLError('source answered malformed JSON', { extensions: { code: 'SOURCE_BAD_RESPONSE' } });
    }
  }

  close() {
    return Promise.all([this.orders.close(), this.customers.close(), this.analytics.close()]);
  }

  // loaders are one request's DataLoaders: one batch call per level.
  loaders() {
    const byID = (pool, path, key) => new DataLoader(async (ids) => {
      const page = await this.get(pool, path, { ids: ids.join(',') });
      const found = new Map(page.items.map((x) => [x[key], x]));
      return ids.map((id) => found.get(id) ?? null);
    });
    return {
      customer: byID(this.customers, '/customers', 'id'),
      stats: byID(this.analytics, '/analytics/customers', 'customerId'),
      // Keys are "n|customerId": a customer's newest n orders.
      ordersOf: new DataLoader(async (keys) => {
        const byN = new Map();
        for (const k of keys) {
          const [n, id] = splitOnce(k);
          if (!byN.has(n)) byN.set(n, []);
          byN.get(n).push(id);
        }
        const lists = new Map();
        await Promise.all([...byN].map(async ([n, ids]) => {
          const page = await this.get(this.orders, '/orders', { customerIds: ids.join(','), perCustomer: n });
          const seen = new Set();
          const of = new Map();
          for (const o of page.items) {
            if (seen.has(o.id)) continue;
            seen.add(o.id);
            if (!of.has(o.customerId)) of.set(o.customerId, []);
            of.get(o.customerId).push(o);
          }
          for (const id of ids) lists.set(`${n}|${id}`, (of.get(id) ?? []).sort(newestFirst).slice(0, Number(n)));
        }));
        return keys.map((k) => lists.get(k));
      }),
    };
  }
}

function splitOnce(k) {
  const i = k.indexOf('|');
  return [k.slice(0, i), k.slice(i + 1)];
}

// newestFirst orders orders as gqlbff does: newest first, then by id, descending.
function newestFirst(a, b) {
  const t = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  if (t !== 0) return t;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

// money formats cents as gqlbff does: "12.50".
function money(cents, currency) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return { amount: `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`, currency };
}

function stats(s) {
  return s && { lifetimeValue: money(s.lifetimeValueCents, s.currency), orderCount: s.orderCount, lastOrderAt: s.lastOrderAt ?? null };
}

function cursor(c) {
  return Buffer.from(c).toString('base64url');
}

// The resolvers, over the sources' own records: an order or a customer is
// the source's JSON, mapped field by field.
const resolvers = {
  Query: {
    me: (_, __, ctx) => (ctx.sub ? ctx.loaders.customer.load(ctx.sub) : null),
    order: (_, { id }, ctx) => ctx.src.get(ctx.src.orders, `/orders/${encodeURIComponent(id)}`),
    customer: (_, { id }, ctx) => ctx.loaders.customer.load(id),
    customers: (_, { ids }, ctx) => ctx.loaders.customer.loadMany(ids),
    dashboard: () => ({}),
    // One REST page; a cursor is gqlbff's: the REST cursor and how many of
    // its items were already seen.
    orders: async (_, { status, first, after }, ctx) => {
      const n = first ?? 20;
      const st = status ?? '';
      let rest = '';
      let skip = 0;
      if (after != null) {
        const raw = Buffer.from(after, 'base64url').toString().replace(/^v1\|/, '');
        const parts = raw.split('|');
        if (parts.length < 3) throw new GraphQLError('bad cursor', { extensions: { code: 'BAD_USER_INPUT' } });
        skip = Number.parseInt(parts[1], 10) || 0;
        rest = parts.slice(2).join('|');
      }
      const params = { limit: String(Math.min(100, skip + n)) };
      if (st) params.status = st;
      if (rest) params.cursor = rest;
      const page = await ctx.src.get(ctx.src.orders, '/orders', params);
      const items = page.items.slice(Math.min(skip, page.items.length));
      const take = Math.min(n, items.length);
      const edges = [];
      for (let j = 0; j < take; j++) {
        let c = `v1|${st}|${skip + j + 1}|${rest}`;
        if (skip + j === page.items.length - 1 && page.nextCursor != null) c = `v1|${st}|0|${page.nextCursor}`;
        edges.push({ cursor: cursor(c), node: items[j] });
      }
      return {
        edges,
        pageInfo: { hasNextPage: take < items.length || page.nextCursor != null, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
      };
    },
  },
  Dashboard: {
    recentOrders: async (_, { first }, ctx) => (await ctx.src.get(ctx.src.orders, '/orders', { limit: String(first ?? 10) })).items,
    topCustomers: async (_, { first }, ctx) => {
      const top = await ctx.src.get(ctx.src.analytics, '/analytics/top-customers', { limit: String(first ?? 5) });
      const found = await ctx.loaders.customer.loadMany(top.items.map((t) => t.customerId));
      for (const c of found) if (c instanceof Error) throw c;
      // The contract leaves out customers the service does not know.
      return found.filter((c) => c !== null);
    },
    summary: async (_, { since }, ctx) => {
      const s = await ctx.src.get(ctx.src.analytics, '/analytics/summary', since ? { since } : undefined);
      return {
        orderCount: s.orderCount, revenue: money(s.revenueCents, s.currency),
        averageOrderValue: money(s.averageOrderValueCents, s.currency), activeCustomers: s.activeCustomers,
      };
    },
  },
  Order: {
    total: (o) => money(o.totalCents, o.currency),
    items: (o) => o.items.map((it) => ({ sku: it.sku, name: it.name, quantity: it.quantity, unitPrice: money(it.unitPriceCents, o.currency) })),
    customer: (o, _, ctx) => ctx.loaders.customer.load(o.customerId),
  },
  Customer: {
    orders: (c, { first }, ctx) => ctx.loaders.ordersOf.load(`${first ?? 10}|${c.id}`),
    stats: async (c, _, ctx) => stats(await ctx.loaders.stats.load(c.id)),
  },
};

// context is one request's: the caller and fresh loaders.
export function context(src, authorization) {
  const who = caller(authorization);
  return { ...who, src, loaders: src.loaders() };
}
