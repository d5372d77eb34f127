// The CDN fallback page: React, ReactDOM and GraphiQL were loaded from the
// CDN as UMD globals (with SRI) by the page; hand them to the bootstrap.
// Used only when gqlbff was built without its playground assets. When the
// CDN cannot be reached (offline, a strict proxy), the page says so and
// how to fix it, instead of "Loading…" for ever.
(function () {
  'use strict';
  if (window.React && window.ReactDOM && window.GraphiQL && window.gqlbffPlayground) {
    window.gqlbffPlayground.start({
      createElement: window.React.createElement,
      createRoot: window.ReactDOM.createRoot,
      GraphiQL: window.GraphiQL,
      createFetcher: window.GraphiQL.createFetcher,
    });
    return;
  }
  const mount = document.getElementById('graphiql');
  const box = document.createElement('div');
  box.className = 'gqlbff-offline';
  box.setAttribute('role', 'alert');
  const title = document.createElement('p');
  title.textContent = 'The playground could not load GraphiQL.';
  const why = document.createElement('p');
  why.textContent =
    'This gqlbff was built without its bundled playground (a plain go build or go install), ' +
    'so the page loads GraphiQL from https://cdn.jsdelivr.net, which this browser cannot reach.';
  const fix = document.createElement('p');
  fix.textContent =
    'To fix it: build with make build (or run make playground-assets before go build), which embeds ' +
    'GraphiQL so the playground works offline; or allow this browser to reach cdn.jsdelivr.net. ' +
    'The GraphQL endpoint itself works either way.';
  box.append(title, why, fix);
  mount.replaceChildren(box);
  console.warn('gqlbff playground: GraphiQL could not be loaded from the CDN');
})();
