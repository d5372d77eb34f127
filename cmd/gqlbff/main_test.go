package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSubgraphSDLCommand(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr bool
		want    []string
	}{
		{name: "prints the SDL", args: []string{"subgraph-sdl"},
			want: []string{`extend schema @link(`, `type Order @key(fields: "id")`, `type Customer @key(fields: "id")`}},
		{name: "refuses arguments", args: []string{"subgraph-sdl", "extra"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(context.Background(), c.args, func(string) string { return "" }, &out, &errOut)
			if (err != nil) != c.wantErr {
				t.Fatalf("error: got %v, want error %v", err, c.wantErr)
			}
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output holds no %q:\n%s", w, out.String())
				}
			}
		})
	}
}
