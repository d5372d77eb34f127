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

  // profileStorage keeps what GraphiQL stores (tabs, headers, the editors)
  // per profile, so that /?profile=partner does not reopen web's tabs with
  // web's token. undefined: GraphiQL's own storage.
  function profileStorage(profile) {
    let store;
    try {
      store = window.localStorage;
    } catch (err) {
      return undefined;
    }
    if (!profile || !store) {
      return undefined;
    }
    const prefix = 'gqlbff:' + profile + ':';
    const keys = function () {
      const out = [];
      for (let i = 0; i < store.length; i++) {
        const k = store.key(i);
        if (k && k.indexOf(prefix) === 0) {
          out.push(k);
        }
      }
      return out;
    };
    return {
      getItem: function (k) {
        return store.getItem(prefix + k);
      },
      setItem: function (k, v) {
        store.setItem(prefix + k, v);
      },
      removeItem: function (k) {
        store.removeItem(prefix + k);
      },
      get length() {
        return keys().length;
      },
      clear: function () {
        keys().forEach(function (k) {
          store.removeItem(k);
        });
      },
    };
  }

  // lib: { createElement, createRoot, GraphiQL, createFetcher, and
  // buildClientSchema when the page has graphql-js (the bundle; the CDN
  // page introspects instead) }.
  async function start(lib) {
    const mount = document.getElementById('graphiql');
    try {
      // /?profile=NAME plays as that client profile: its schema (its
      // contract's), its tabs, its dev token.
      const profile = new URLSearchParams(window.location.search).get('profile');
      const cfg = await loadConfig(
        mount.dataset.config + (profile ? '?profile=' + encodeURIComponent(profile) : ''),
      );
      if (cfg.profile) {
        document.title = document.title + ' · ' + cfg.profile;
      }
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
      const url = new URL(cfg.endpoint, window.location.href).href;
      const text = lib.createFetcher({ url: url, headers: cfg.headers || {} });
      // A tab of a profile that may only send trusted documents' ids goes
      // by its id while its text is the tab's, unedited.
      const ids = new Map();
      (cfg.tabs || []).forEach(function (t) {
        if (t.documentId) {
          ids.set(t.query, t.documentId);
        }
      });
      const fetcher = function (params, opts) {
        const id = params && ids.get(params.query);
        if (!id) {
          return text(params, opts);
        }
        return fetch(url, {
          method: 'POST',
          credentials: 'same-origin',
          headers: Object.assign(
            { 'Content-Type': 'application/json', Accept: 'application/json' },
            cfg.headers || {},
            (opts && opts.headers) || {},
          ),
          body: JSON.stringify({
            documentId: id,
            operationName: params.operationName || undefined,
            variables: params.variables || undefined,
          }),
        }).then(function (res) {
          return res.json();
        });
      };
      lib.createRoot(mount).render(
        lib.createElement(lib.GraphiQL, {
          fetcher: fetcher,
          // The profile's schema, as the server shows it to that profile
          // (its contract's): the docs need no introspection, which the
          // profile may not be allowed.
          schema: cfg.schema && lib.buildClientSchema ? lib.buildClientSchema(cfg.schema) : undefined,
          storage: profileStorage(cfg.profile),
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
