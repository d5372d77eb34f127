package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/gqlbff/gqlbff/server"
)

// clientUse is one client's use of a coordinate, within the window.
type clientUse struct {
	Client   string // profile/name@version
	Count    int64
	LastSeen time.Time
}

// usageIndex maps each coordinate to the clients that used it within the
// window, latest first.
type usageIndex map[string][]clientUse

// indexUsage keeps the uses of u at or after since.
func indexUsage(u *server.UsageReport, since time.Time) usageIndex {
	out := usageIndex{}
	for _, c := range u.Clients {
		who := clientLabel(c.Profile, c.Name, c.Version)
		for coord, n := range c.Coordinates {
			if n.LastSeen.Before(since) {
				continue
			}
			out[coord] = append(out[coord], clientUse{Client: who, Count: n.Count, LastSeen: n.LastSeen})
		}
	}
	for _, uses := range out {
		slices.SortFunc(uses, func(a, b clientUse) int {
			return cmp.Or(b.LastSeen.Compare(a.LastSeen), strings.Compare(a.Client, b.Client))
		})
	}
	return out
}

// clientLabel names a client as the reports show it: profile/name@version,
// "-" for a name or version it did not give.
func clientLabel(profile, name, version string) string {
	return profile + "/" + cmpOr(name, "-") + "@" + cmpOr(version, "-")
}

// readUsageFile reads a usage export saved from GET /usage.
func readUsageFile(path string) (*server.UsageReport, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("schema check: --usage: %w", err)
	}
	var u server.UsageReport
	if err := json.Unmarshal(b, &u); err != nil {
		return nil, fmt.Errorf("schema check: --usage %s: want the JSON of GET /usage: %w", path, err)
	}
	return &u, nil
}

// fetchUsage reads a running server's usage from its admin listener; the
// window goes along as ?days=N for a server that narrows the answer. cmd
// names the command in its errors ("usage", "schema check"), what is the
// errors' prefix for the fetch itself ("usage", "schema check: usage").
func fetchUsage(ctx context.Context, cmd, what, admin, key string, days int) (*server.UsageReport, error) {
	u := strings.TrimSuffix(admin, "/") + server.UsagePath + "?days=" + strconv.Itoa(days)
	if _, err := url.ParseRequestURI(u); err != nil || !strings.HasPrefix(admin, "http") {
		return nil, usagef("%s: --admin %q: want the admin listener's URL, such as http://127.0.0.1:9090", cmd, admin)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, usagef("%s: --admin: %v", cmd, err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("%s: GET %s: %s %s", what, req.URL, resp.Status, strings.TrimSpace(string(b)))
	}
	var exp server.UsageReport
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&exp); err != nil {
		return nil, fmt.Errorf("%s: GET %s: %w", what, req.URL, err)
	}
	return &exp, nil
}

// touched lists the coordinates whose users a change can break, resolved
// against the base schema: the change's own coordinate; for a type, its
// fields and every field or argument of that type; for an enum value or
// an input field, every field or argument of its type; for a new required
// argument, the field.
func touched(base *ast.Schema, c schemaChange) []string {
	out := []string{c.Coordinate}
	coord := c.Coordinate
	if i := strings.Index(coord, "("); i >= 0 {
		if c.What == "required argument added" {
			out = append(out, coord[:i])
		}
		return out
	}
	typeName, _, isMember := strings.Cut(coord, ".")
	t := base.Types[typeName]
	if t == nil || isMember && (t.Kind == ast.Object || t.Kind == ast.Interface) {
		return out
	}
	if !isMember {
		for _, f := range t.Fields {
			out = append(out, typeName+"."+f.Name)
		}
		for _, v := range t.EnumValues {
			out = append(out, typeName+"."+v.Name)
		}
	}
	// The fields and arguments typed with typeName.
	for _, d := range base.Types {
		if d.BuiltIn {
			continue
		}
		for _, f := range d.Fields {
			fc := d.Name + "." + f.Name
			if d.Kind != ast.InputObject && f.Type.Name() == typeName {
				out = append(out, fc)
			}
			for _, a := range f.Arguments {
				if a.Type.Name() == typeName {
					out = append(out, fc+"("+a.Name+":)")
				}
			}
		}
	}
	return out
}

// touchedByClients is touched for clients' usage, which records each enum
// value and input field a client sent (literal or in variables): a change
// to one of them touches it alone, not every user of its type.
func touchedByClients(base *ast.Schema, c schemaChange) []string {
	typeName, _, isMember := strings.Cut(c.Coordinate, ".")
	if t := base.Types[typeName]; isMember && t != nil && (t.Kind == ast.Enum || t.Kind == ast.InputObject) && !strings.Contains(c.Coordinate, "(") {
		return []string{c.Coordinate}
	}
	return touched(base, c)
}
