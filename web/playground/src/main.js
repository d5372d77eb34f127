// The playground bundle: GraphiQL, React and the bootstrap in one script,
// GraphiQL's CSS (with its fonts inlined) in one stylesheet. gqlbff embeds
// both and serves them from its own origin.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { buildClientSchema } from 'graphql';
import 'graphiql/style.css';
// The bootstrap is shared with the CDN fallback page, which serves it as is.
import '../../../server/playground/static/boot.js';

window.gqlbffPlayground.start({
  createElement,
  createRoot,
  GraphiQL,
  createFetcher: createGraphiQLFetcher,
  buildClientSchema,
});
