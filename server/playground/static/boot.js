// gqlbff playground bootstrap: starts GraphiQL with gqlbff's defaults.
//
// Both pages use it. The bundled page (web/playground/src/main.js imports
// this file into its bundle) and the CDN fallback page (static/cdn.js) call
// window.gqlbffPlayground.start with their copies of React and GraphiQL.
// Everything else comes from the JSON document named by the mount point's
// data-config attribute, so the page itself carries no inline script and
// its Content-Security-Policy can forbid them.
(function () {
  'use strict';

  // The page's CSP allows an inline <style> only with the response's nonce,
  // which gqlbff puts on the page's scripts. GraphiQL's dialogs inject one
  // such style (react-remove-scroll-bar, through get-nonce, which reads
  // __webpack_nonce__). document.currentScript is only set now, while this
  // file runs.
  const script = document.currentScript;
  if (script && script.nonce) {
    window.__webpack_nonce__ = script.nonce;
  }

  function pretty(value) {
    return JSON.stringify(value, null, 2);
  }

  function fail(mount, err) {
    mount.textContent = 'The playground could not start: ' + err.message;
    console.error(err);
  }

  async function loadConfig(url) {
    const res = await fetch(url, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!res.ok) {
      throw new Error('playground config: HTTP ' + res.status);
    }
    return res.json();
  }

  // lib: { createElement, createRoot, GraphiQL, createFetcher }.
  async function start(lib) {
    const mount = document.getElementById('graphiql');
    try {
      const cfg = await loadConfig(mount.dataset.config);
      const headers =
        cfg.headers && Object.keys(cfg.headers).length > 0
          ? pretty(cfg.headers)
          : undefined;
      const tabs = (cfg.tabs || []).map(function (t) {
        return {
          query: t.query,
          variables: t.variables ? pretty(t.variables) : undefined,
          headers: headers,
        };
      });
      // The config's headers go with every request, the schema's
      // introspection included (it runs before any editor is read); the
      // headers editor adds to them and wins.
      const fetcher = lib.createFetcher({
        url: new URL(cfg.endpoint, window.location.href).href,
        headers: cfg.headers || {},
      });
      lib.createRoot(mount).render(
        lib.createElement(lib.GraphiQL, {
          fetcher: fetcher,
          defaultTabs: tabs.length > 0 ? tabs : undefined,
          defaultQuery: tabs.length > 0 ? tabs[0].query : undefined,
          defaultHeaders: headers,
          // Show the headers when they hold something to see (the dev
          // token), else the variables of the first tab, if any.
          defaultEditorToolsVisibility: headers
            ? 'headers'
            : tabs.length > 0 && tabs[0].variables
              ? 'variables'
              : false,
        }),
      );
    } catch (err) {
      fail(mount, err);
    }
  }

  window.gqlbffPlayground = { start: start };
})();
