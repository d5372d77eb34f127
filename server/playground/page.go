package playground

import (
	"html/template"
	"strings"
)

// The CDN page's files: the UMD builds gqlgen's own playground uses, pinned
// to GraphiQL 4.1.2 (the version web/playground bundles) and React 18.2.0
// (React 19 publishes no UMD build). The hashes were checked against the
// files of the npm packages.
const (
	cdnOrigin  = "https://cdn.jsdelivr.net"
	cdnReact   = cdnOrigin + "/npm/react@18.2.0/umd/react.production.min.js"
	cdnReactSR = "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="
	cdnDOM     = cdnOrigin + "/npm/react-dom@18.2.0/umd/react-dom.production.min.js"
	cdnDOMSRI  = "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="
	cdnJS      = cdnOrigin + "/npm/graphiql@4.1.2/graphiql.min.js"
	cdnJSSRI   = "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="
	cdnCSS     = cdnOrigin + "/npm/graphiql@4.1.2/graphiql.min.css"
	cdnCSSSRI  = "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="
)

// csp is the page's Content-Security-Policy. Scripts, styles and
// connections come from gqlbff's own origin only (plus the CDN when the
// assets were not built); no inline script is allowed, and no inline style
// but those carrying this response's nonce. GraphiQL creates one such
// style: its dialogs (settings, shortcuts) lock the page's scroll with a
// <style> element that react-remove-scroll-bar injects, stamped with the
// nonce that get-nonce finds in __webpack_nonce__, which boot.js sets from
// its script's nonce. Without it the policy would need 'unsafe-inline'.
// GraphiQL's stylesheet embeds its fonts as data: URLs, hence font-src data:.
func csp(extraOrigin, nonce string) string {
	src := "'self'"
	if extraOrigin != "" {
		src += " " + extraOrigin
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + src,
		"style-src " + src + " 'nonce-" + nonce + "'",
		"connect-src 'self'",
		"img-src 'self'",
		"font-src 'self' data:",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// link is a script or stylesheet the page loads, with its SRI hash.
type link struct {
	URL       string
	Integrity string
}

type pageData struct {
	Favicon   string
	Styles    []link
	Scripts   []link
	ConfigURL string
	Nonce     string
}

// page has no inline script or style: the CSP forbids both. Scripts are
// deferred, so they run in order once the document is parsed. Their nonce
// is not needed to run them ('self' allows them) but hands the response's
// nonce to boot.js.
var page = template.Must(template.New("playground").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gqlbff playground</title>
<link rel="icon" type="image/svg+xml" href="{{.Favicon}}">
{{- range .Styles}}
<link rel="stylesheet" href="{{.URL}}" integrity="{{.Integrity}}" crossorigin="anonymous">
{{- end}}
{{- range .Scripts}}
<script defer src="{{.URL}}" integrity="{{.Integrity}}" crossorigin="anonymous" nonce="{{$.Nonce}}"></script>
{{- end}}
</head>
<body>
<div id="graphiql" data-config="{{.ConfigURL}}"><div class="gqlbff-loading">Loading the playground…</div></div>
</body>
</html>
`))
