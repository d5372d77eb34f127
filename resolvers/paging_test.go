package resolvers

import (
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
)

func TestPositionRoundTrip(t *testing.T) {
	cases := []position{
		{},
		{status: "PAID", skip: 3, rest: "eyJzIjoiUEFJRCJ9"},
		{status: "", skip: 100, rest: "a|b|c"},
	}
	for _, p := range cases {
		got, err := decodePosition(p.encode())
		if err != nil || got != p {
			t.Errorf("round trip of %+v: got %+v, %v", p, got, err)
		}
	}
}

func TestDecodePositionRefusesForgeries(t *testing.T) {
	for name, c := range map[string]string{
		"not base64":    "!!!",
		"no prefix":     "eDF8fDB8",
		"skip too big":  position{skip: 101}.encode(),
		"negative skip": "djF8fC0xfA",
		"empty":         "",
	} {
		if _, err := decodePosition(c); err == nil {
			t.Errorf("%s: got no error, want one", name)
		}
	}
}

func FuzzDecodePosition(f *testing.F) {
	f.Add(position{status: "PAID", skip: 3, rest: "x"}.encode())
	f.Add("djF8")
	f.Fuzz(func(t *testing.T, c string) {
		p, err := decodePosition(c)
		if err != nil {
			return
		}
		if p.skip < 0 || p.skip > maxPageCeiling {
			t.Fatalf("accepted skip %d", p.skip)
		}
		if again, err := decodePosition(p.encode()); err != nil || again != p {
			t.Fatalf("re-encoding %+v gave %+v, %v", p, again, err)
		}
	})
}

// TestPageSizeIsTheConfiguredMaxPage: the resolvers hold `first` to the
// configured graphql.maxPage, and a zero Resolver to 100.
func TestPageSizeIsTheConfiguredMaxPage(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		maxPage, first int
		ok             bool
	}{
		{0, 100, true}, {0, 101, false}, {20, 20, true}, {20, 21, false}, {500, 101, false},
	} {
		r := &Resolver{MaxPage: tc.maxPage}
		if _, err := r.pageSize(n(tc.first), 10); (err == nil) != tc.ok {
			t.Errorf("MaxPage %d, first %d: got error %v, want ok %v", tc.maxPage, tc.first, err, tc.ok)
		}
	}
}

// TestCursorsAreTheirTextInBase64: a cursor is base64 (URL alphabet, no
// padding) of v1|status|skip|rest, and encodedLen its length, which
// orderPage uses to cut a page's cursors out of one string.
func TestCursorsAreTheirTextInBase64(t *testing.T) {
	for _, p := range []position{
		{}, {skip: 9}, {skip: 10}, {skip: 100}, {status: "PAID", skip: 1, rest: "eyJzIjoiUEFJRCJ9"},
		{status: "SHIPPED", rest: "a|b|c/+="}, {skip: 12345, rest: strings.Repeat("r", 300)},
	} {
		want := base64.RawURLEncoding.EncodeToString([]byte("v1|" + p.status + "|" + strconv.Itoa(p.skip) + "|" + p.rest))
		if got := p.encode(); got != want {
			t.Errorf("%+v: got %q, want %q", p, got, want)
		}
		if got := p.encodedLen(); got != len(want) {
			t.Errorf("%+v: encodedLen %d, want %d", p, got, len(want))
		}
	}
}
