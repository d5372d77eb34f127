package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// runUsage prints a running server's field usage by client, read from its
// admin listener.
func runUsage(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("usage", stderr)
	admin := fs.String("admin", "http://127.0.0.1:9090", "the admin listener's base URL")
	key := fs.String("key", "", "the admin key (default $GQLBFF_ADMIN_KEY)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("usage: no argument expected, got %d", fs.NArg())
	}
	if *key == "" && getenv != nil {
		*key = getenv("GQLBFF_ADMIN_KEY")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(*admin, "/")+server.UsagePath, nil)
	if err != nil {
		return usagef("usage: --admin: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+*key)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("usage: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("usage: %s: %s %s", req.URL, resp.Status, strings.TrimSpace(string(b)))
	}
	var rep struct {
		Clients []struct {
			Profile, Name, Version string
			Coordinates            map[string]struct {
				Count    int64
				LastSeen time.Time
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		return fmt.Errorf("usage: %s: %w", req.URL, err)
	}
	type row struct{ coord, client, count, last string }
	var rows []row
	for _, cl := range rep.Clients {
		who := cl.Profile + "/" + cmpOr(cl.Name, "-") + "@" + cmpOr(cl.Version, "-")
		for coord, n := range cl.Coordinates {
			rows = append(rows, row{coord, who, fmt.Sprint(n.Count), n.LastSeen.UTC().Format(time.RFC3339)})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.coord+"\x00"+a.client, b.coord+"\x00"+b.client) })
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COORDINATE\tCLIENT\tCOUNT\tLAST USED")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.coord, r.client, r.count, r.last)
	}
	return tw.Flush()
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
