// The graphql-http server audit (GraphQL over HTTP conformance) against the
// gqlbff at the URL given: prints one JSON line per audit, {id, name,
// status, reason}, status being ok, warn or error. go test ./test/httpaudit
// starts the server, runs this and judges the results.
import { auditServer } from 'graphql-http'

const url = process.argv[2]
if (!url) {
  console.error('usage: node audit.mjs http://HOST:PORT/graphql')
  process.exit(2)
}
const results = await auditServer({ url })
for (const r of results) {
  console.log(JSON.stringify({ id: r.id, name: r.name, status: r.status, reason: r.reason ?? '' }))
}
