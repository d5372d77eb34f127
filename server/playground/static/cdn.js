// The CDN fallback page: React, ReactDOM and GraphiQL were loaded from the
// CDN as UMD globals (with SRI) by the page; hand them to the bootstrap.
// Used only when gqlbff was built without its playground assets.
window.gqlbffPlayground.start({
  createElement: window.React.createElement,
  createRoot: window.ReactDOM.createRoot,
  GraphiQL: window.GraphiQL,
  createFetcher: window.GraphiQL.createFetcher,
});
