package playground

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"path"
	"time"
)

// file is one file the page links to, held in memory with its digests.
type file struct {
	name    string // the base name, "playground.js"
	body    []byte
	sri     string // the integrity attribute, "sha384-…"
	version string // hex of the digest's first 8 bytes: the URL segment that changes with the content
}

func newFile(name string, body []byte) *file {
	sum := sha512.Sum384(body)
	return &file{
		name:    name,
		body:    body,
		sri:     "sha384-" + base64.StdEncoding.EncodeToString(sum[:]),
		version: hex.EncodeToString(sum[:8]),
	}
}

// url is where the page links the file. The content hash is in the path, so
// a changed file gets a new URL and browsers may cache every URL forever.
func (f *file) url() string { return filesPrefix + f.version + "/" + f.name }

// contentTypes are set explicitly rather than looked up in the machine's
// MIME tables, which differ between systems.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// serve answers with the file, cacheable for a year: its URL names its
// content. The ETag lets a client that revalidates anyway get a 304.
func (f *file) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", contentTypes[path.Ext(f.name)])
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.version+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.body))
}
