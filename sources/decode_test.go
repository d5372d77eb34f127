package sources

import (
	"bytes"
	stdjson "encoding/json"
	"strings"
	"testing"
	"time"
)

// The answers are decoded with segmentio/encoding/json, for speed
// (BENCHMARKS.md, the cheap levers); encoding/json is the reference it is
// held to: on every input, for every answer type, it fails where
// encoding/json fails and decodes what encoding/json decodes. `go test`
// runs the seeds; `go test -fuzz FuzzDecodeMatchesEncodingJSON ./sources/`
// looks further.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	at := time.Date(2025, 12, 31, 19, 42, 51, 0, time.UTC)
	order := Order{ID: "o1", CustomerID: "c1", Status: StatusPaid, Currency: "USD", TotalCents: 147697, CreatedAt: at,
		Items: []OrderItem{{SKU: "SKU-0047", Name: "Eco Blender", Quantity: 5, UnitPriceCents: 12280}}}
	customer := Customer{ID: "c1", Name: "Ada Lovelace 1", Email: "ada.1@example.com", Tier: TierGold, CreatedAt: at}
	next := "eyJvZmZzZXQiOjJ9"
	for _, v := range []any{
		Page[Order]{Items: []Order{order, order}, NextCursor: &next},
		Page[Customer]{Items: []Customer{customer}},
		Page[CustomerStats]{Items: []CustomerStats{{CustomerID: "c1", LifetimeValueCents: 1091600, Currency: "USD", OrderCount: 21, LastOrderAt: &at}, {CustomerID: "c2"}}},
		Page[TopCustomer]{Items: []TopCustomer{{CustomerID: "c1", LifetimeValueCents: 1, Currency: "USD"}}},
		Summary{OrderCount: 1, RevenueCents: 2, AverageOrderValueCents: 3, ActiveCustomers: 4, Currency: "EUR"},
		customer,
		order,
	} {
		b, err := stdjson.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"items": [`, `{"items":null}`, `{"items":{"id":"c1"}}`,
		`<html><body>maintenance</body></html>`, `{"items":[]}{}`, `{"items":[]} `, "\ufeff{}",
		`{"items":[{"id":1,"name":"Ada","tier":"GOLD"}]}`,
		`{"id":"c1","name":"Ada","tier":"GOLD","createdAt":"yesterday"}`,
		`{"id":"c1","createdAt":"2025-01-02T03:04:05+01:00"}`,
		`{"id":"c1","createdAt":"2025-01-02T03:04:05.123456789Z"}`,
		`{"id":"c1","createdAt":null}`, `{"lastOrderAt":null}`, `{"lastOrderAt":"2025-01-02T03:04:05Z"}`,
		`{"ID":"c1","NAME":"case"}`, `{"id":"a","id":"b"}`, `{"id":"\u00e9\ud83d\ude00\n"}`,
		`{"id":"\ud800"}`, "{\"id\":\"\xff\xfe\"}", `{"id":"tab	in"}`,
		`{"totalCents":1.5}`, `{"totalCents":1e2}`, `{"totalCents":-0}`, `{"totalCents":9223372036854775808}`,
		`{"totalCents":"12"}`, `{"quantity":true}`, `{"orderCount":-1}`, `{"items":[{"quantity":2147483648}]}`,
		`{"nextCursor":null,"items":[]}`, `{"nextCursor":7,"items":[]}`, `{"items":[null]}`,
		`{"unknown":{"deep":[1,2,{"x":[]}]},"items":[]}`, strings.Repeat("[", 10001), `{"a":01}`, `{"a":.5}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		same[Page[Order]](t, b)
		same[Page[Customer]](t, b)
		same[Page[CustomerStats]](t, b)
		same[Page[TopCustomer]](t, b)
		same[Summary](t, b)
		same[Order](t, b)
		same[Customer](t, b)
	})
}

// same checks one answer type: the same failure, or the same value (as
// encoding/json writes it back).
func same[T any](t *testing.T, b []byte) {
	t.Helper()
	var want, got T
	wantErr := stdjson.Unmarshal(b, &want)
	gotErr := decode(b, &got)
	if v, ok := any(&want).(validator); ok && wantErr == nil {
		wantErr = v.validate()
	}
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%T of %q: encoding/json says %v, decode says %v", want, b, wantErr, gotErr)
	}
	if wantErr != nil {
		for _, expect := range []int{1, 3} {
			if _, err := decodeAs[T](b, expect); err == nil || err.Error() != gotErr.Error() {
				t.Fatalf("%T of %q, expecting %d: decode says %v, decodeAs %v", want, b, expect, gotErr, err)
			}
		}
		return
	}
	w, err1 := stdjson.Marshal(want)
	g, err2 := stdjson.Marshal(got)
	if err1 != nil || err2 != nil || !bytes.Equal(w, g) {
		t.Fatalf("%T of %q:\nencoding/json decodes %s\ndecode decodes        %s", want, b, w, g)
	}
	// A page sized before it is decoded (decodeAs with the items the call
	// expects) answers the same, fewer or more items than expected alike.
	for _, expect := range []int{1, 3} {
		v, err := decodeAs[T](b, expect)
		if err != nil {
			t.Fatalf("%T of %q, expecting %d: decodeAs says %v, decode nothing", want, b, expect, err)
		}
		if g, _ := stdjson.Marshal(v.(T)); !bytes.Equal(w, g) {
			t.Fatalf("%T of %q, expecting %d:\nencoding/json decodes %s\ndecodeAs decodes      %s", want, b, expect, w, g)
		}
	}
}
