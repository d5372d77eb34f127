// Package playground serves GraphiQL at / from inside the binary: GraphiQL,
// React and their CSS are bundled from npm at build time (web/playground,
// `make playground-assets`) into assets/, which is embedded. The page loads
// nothing from outside gqlbff's origin, and its Content-Security-Policy
// says so. A binary built without the assets still serves a page, which
// loads GraphiQL from a CDN, and logs a line saying so.
package playground

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
)

const (
	filesPrefix = "/playground/"
	configPath  = "/playground/config.json"

	bundleJS  = "playground.js"
	bundleCSS = "playground.css"
)

//go:embed assets
var assets embed.FS

//go:embed static
var static embed.FS

// Options configure the playground.
type Options struct {
	// Endpoint is the path of the GraphQL endpoint the page queries.
	Endpoint string
	// Headers pre-fill GraphiQL's headers editor in every tab (in demo
	// mode: an Authorization header with a dev token).
	Headers map[string]string
	// Operations holds the example operations opened as tabs: NAME.graphql,
	// with an optional NAME.variables.json (a JSON object).
	Operations fs.FS
	// First names the operation of the first tab; the others follow in
	// name order.
	First string
	// Assets holds the GraphiQL bundle, playground.js and playground.css;
	// nil means the ones embedded at build time. Without them the page
	// loads GraphiQL from a CDN.
	Assets fs.FS
	// Logger receives the line that says the page uses the CDN; nil
	// discards it.
	Logger *slog.Logger
	// Profiles, when set, are the client profiles the page can play as:
	// /?profile=NAME (config.json?profile=NAME) shows that profile's
	// schema and tabs and sends its headers; the first is the default.
	// Headers then applies to none.
	Profiles []Profile
}

// Profile is what the page shows and sends as one client profile.
type Profile struct {
	Name string
	// Headers pre-fill the headers editor (a dev token of the profile).
	Headers map[string]string
	// Schema is the profile's schema as an introspection result, shown in
	// the docs instead of introspecting (nil: the page introspects).
	Schema json.RawMessage
	// Operation says whether the profile can run an example operation,
	// and the trusted document's id to send instead of its text ("": the
	// text); nil: every operation, as text.
	Operation func(name, query string) (run bool, documentID string)
}

// Handler serves the playground: the page at /, its settings at
// /playground/config.json and its files under /playground/.
type Handler struct {
	mux     *http.ServeMux
	bundled bool
	page    pageData // the page, but for its nonce
	cdn     string   // the CDN's origin when the page uses it
	config  []byte   // config.json
	// byProfile is config.json?profile=NAME, when there are profiles (the
	// default's is config).
	byProfile map[string][]byte
	files     map[string]*file // by "version/name"
}

// New builds the playground's handler. It reads every file once, so the
// answers are fixed for the handler's life.
func New(opts Options) (*Handler, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Endpoint == "" {
		return nil, errors.New("playground: no endpoint")
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	h := &Handler{files: map[string]*file{}}
	if h.config, err = json.Marshal(cfg); err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	if len(opts.Profiles) > 0 {
		if h.byProfile, err = profileConfigs(cfg, opts); err != nil {
			return nil, err
		}
		h.config = h.byProfile[opts.Profiles[0].Name]
	}
	src := opts.Assets
	if src == nil {
		if src, err = fs.Sub(assets, "assets"); err != nil {
			return nil, err
		}
	}
	if err := h.link(src); err != nil {
		return nil, err
	}
	if !h.bundled {
		log.Warn("playground assets not built: the playground page loads GraphiQL from a CDN ("+cdnOrigin+
			") and needs internet access; make playground-assets embeds them", "dir", "server/playground/assets")
	}
	if err := page.Execute(io.Discard, h.page); err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET /{$}", h.servePage)
	h.mux.HandleFunc("GET "+configPath, h.serveConfig)
	h.mux.HandleFunc("GET "+filesPrefix+"{version}/{name}", h.serveFile)
	return h, nil
}

// link decides what the page loads: the bundle in src when it is there,
// else GraphiQL from the CDN and the bootstrap from static/.
func (h *Handler) link(src fs.FS) error {
	js, jsErr := fs.ReadFile(src, bundleJS)
	css, cssErr := fs.ReadFile(src, bundleCSS)
	for _, err := range []error{jsErr, cssErr} {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("playground: %w", err)
		}
	}
	h.bundled = jsErr == nil && cssErr == nil
	favicon, err := h.addStatic("favicon.svg")
	if err != nil {
		return err
	}
	pageCSS, err := h.addStatic("page.css")
	if err != nil {
		return err
	}
	h.page = pageData{Favicon: favicon.url(), ConfigURL: configPath}
	if h.bundled {
		b, c := h.add(bundleJS, js), h.add(bundleCSS, css)
		h.page.Styles = []link{{c.url(), c.sri}, {pageCSS.url(), pageCSS.sri}}
		h.page.Scripts = []link{{b.url(), b.sri}}
		return nil
	}
	boot, err := h.addStatic("boot.js")
	if err != nil {
		return err
	}
	start, err := h.addStatic("cdn.js")
	if err != nil {
		return err
	}
	h.page.Styles = []link{{cdnCSS, cdnCSSSRI}, {pageCSS.url(), pageCSS.sri}}
	h.page.Scripts = []link{
		{cdnReact, cdnReactSR}, {cdnDOM, cdnDOMSRI}, {cdnJS, cdnJSSRI},
		{boot.url(), boot.sri}, {start.url(), start.sri},
	}
	h.cdn = cdnOrigin
	return nil
}

func (h *Handler) add(name string, body []byte) *file {
	f := newFile(name, body)
	h.files[f.version+"/"+f.name] = f
	return f
}

func (h *Handler) addStatic(name string) (*file, error) {
	b, err := fs.ReadFile(static, "static/"+name)
	if err != nil {
		return nil, fmt.Errorf("playground: %w", err)
	}
	return h.add(name, b), nil
}

func (h *Handler) servePage(w http.ResponseWriter, _ *http.Request) {
	d := h.page
	d.Nonce = newNonce()
	var html bytes.Buffer
	if err := page.Execute(&html, d); err != nil {
		// New executed the template once already; this cannot happen.
		http.Error(w, "playground: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", csp(h.cdn, d.Nonce))
	// Each answer has its own nonce.
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write(html.Bytes())
}

func (h *Handler) serveConfig(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	// It may carry a dev token: keep it out of shared caches.
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	body := h.config
	if p := r.URL.Query().Get("profile"); p != "" {
		b, ok := h.byProfile[p]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": fmt.Sprintf("the playground has no profile %q", p)})
			return
		}
		body = b
	}
	_, _ = w.Write(body)
}

func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[r.PathValue("version")+"/"+r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	f.serve(w, r)
}

// newNonce returns a fresh CSP nonce: 128 random bits.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b)
}

// Bundled reports whether the page uses the embedded GraphiQL bundle; when
// false it loads GraphiQL from the CDN.
func (h *Handler) Bundled() bool { return h.bundled }

// ServeHTTP serves the page at /, its settings and its files.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }
