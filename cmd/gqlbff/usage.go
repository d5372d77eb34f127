package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// runUsage prints a running server's field usage by client, read from its
// admin listener.
func runUsage(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("usage", stderr)
	admin := fs.String("admin", "http://127.0.0.1:9090", "the admin listener's base URL")
	key := fs.String("key", "", "the admin key (default $GQLBFF_ADMIN_KEY)")
	days := fs.Int("days", 30, "the window: the uses of the last N days (with Redis; without, the replica's since it started)")
	safe := fs.Bool("safe-to-remove", false, "print only the deprecated coordinates no client used in the window")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("usage: no argument expected, got %d", fs.NArg())
	}
	if *days < 1 {
		return usagef("usage: --days %d: want a positive number of days", *days)
	}
	if *key == "" && getenv != nil {
		*key = getenv("GQLBFF_ADMIN_KEY")
	}
	rep, err := fetchUsage(ctx, "usage", "usage", *admin, *key, *days)
	if err != nil {
		return err
	}
	if rep.Warning != "" {
		fmt.Fprintf(stderr, "gqlbff usage: %s\n", rep.Warning)
	}
	if *safe {
		for _, c := range rep.SafeToRemove {
			fmt.Fprintln(stdout, c)
		}
		return nil
	}
	type row struct{ coord, client, count, last string }
	var rows []row
	for _, cl := range rep.Clients {
		who := clientLabel(cl.Profile, cl.Name, cl.Version)
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
	if err := tw.Flush(); err != nil {
		return err
	}
	window := fmt.Sprintf("the last %d days, every replica (Redis)", rep.Days)
	if rep.Store != "redis" {
		window = "this replica, since it started"
	}
	_, err = fmt.Fprintf(stdout, "\nwindow: %s\ndeprecated: %s\nsafe to remove (deprecated, unused in the window): %s\n",
		window, listOrNone(rep.Deprecated), listOrNone(rep.SafeToRemove))
	return err
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
