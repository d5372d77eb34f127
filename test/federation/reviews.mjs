// The reviews subgraph of the federation test: a second graph, on
// @apollo/subgraph, that extends gqlbff's Order and Customer entities with
// their reviews, and whose reviews reference both.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

export const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Review @key(fields: "id") {
    id: ID!
    rating: Int!
    body: String!
    "Nullable, as every field that crosses into another graph."
    order: Order
    customer: Customer
  }

  type Order @key(fields: "id") {
    id: ID!
    reviews: [Review!]!
  }

  type Customer @key(fields: "id") {
    id: ID!
    reviews: [Review!]!
  }

  type Query {
    reviews: [Review!]!
  }
`);

// reviewsOf builds one review per order, {id, customerId} each, by the
// order's customer.
export function reviewsOf(orders) {
  return orders.map((o, i) => ({
    id: `r${i + 1}`,
    rating: 1 + (i % 5),
    body: `review ${i + 1} of order ${o.id}`,
    orderId: o.id,
    customerId: o.customerId,
  }));
}

function resolvers(reviews) {
  const byOrder = (id) => reviews.filter((r) => r.orderId === id);
  const byCustomer = (id) => reviews.filter((r) => r.customerId === id);
  return {
    Query: { reviews: () => reviews },
    Review: {
      __resolveReference: (ref) => reviews.find((r) => r.id === ref.id) ?? null,
      order: (r) => ({ __typename: 'Order', id: r.orderId }),
      customer: (r) => ({ __typename: 'Customer', id: r.customerId }),
    },
    Order: {
      __resolveReference: (ref) => ({ id: ref.id }),
      reviews: (o) => byOrder(o.id),
    },
    Customer: {
      __resolveReference: (ref) => ({ id: ref.id }),
      reviews: (c) => byCustomer(c.id),
    },
  };
}

const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };

// startReviews serves the reviews subgraph on a free loopback port.
export async function startReviews(reviews) {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs, resolvers: resolvers(reviews) }),
    includeStacktraceInErrorResponses: false,
    logger: quiet,
  });
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: 0 } });
  return { url, stop: () => server.stop() };
}
