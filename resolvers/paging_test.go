package resolvers

import (
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
