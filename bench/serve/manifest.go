package serve

import (
	"encoding/json"
	"fmt"
	"os"
)

// Manifest is an Apollo persisted query manifest, the trusted documents
// format gqlbff reads (GQLBFF_PERSISTED_MANIFEST).
type Manifest struct {
	Format     string              `json:"format"`
	Version    int                 `json:"version"`
	Operations []ManifestOperation `json:"operations"`
}

// ManifestOperation is one trusted document.
type ManifestOperation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
	Body string `json:"body"`
}

// ManifestFormat is the format member of an Apollo manifest.
const ManifestFormat = "apollo-persisted-query-manifest"

// LoadManifest reads an Apollo manifest into a map of id to document.
func LoadManifest(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if m.Format != ManifestFormat || m.Version != 1 {
		return nil, fmt.Errorf("manifest %s: got format %q version %d, want %s version 1", path, m.Format, m.Version, ManifestFormat)
	}
	out := make(map[string]string, len(m.Operations))
	for _, op := range m.Operations {
		out[op.ID] = op.Body
	}
	return out, nil
}
