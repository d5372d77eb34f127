package persisted_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/gqlbff/gqlbff/persisted"
)

// TestDocumentsNameTheirProfiles: a .graphql file's "# profiles:" comment
// line goes into its manifest entry (sorted, without duplicates), survives
// the manifest's round trip, and scopes the document; a file without one
// serves every profile. The comment changes neither the body nor the id.
func TestDocumentsNameTheirProfiles(t *testing.T) {
	scoped := "# The order screen.\n# profiles: web,mobile web\n" + orderDoc
	m, err := persisted.Build([]persisted.SourceFile{{Name: "order.graphql", Text: scoped}, {Name: "orders.graphql", Text: ordersDoc}}, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := persisted.Build([]persisted.SourceFile{{Name: "order.graphql", Text: orderDoc}}, testSchema)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Operations[0]; got.Name != "Order" || !slices.Equal(got.Profiles, []string{"mobile", "web"}) || got.ID != plain.Operations[0].ID || got.Body != plain.Operations[0].Body {
		t.Errorf("Order: got %+v, want profiles [mobile web] and the id and body of the file without the comment", got)
	}
	if got := m.Operations[1]; got.Profiles != nil {
		t.Errorf("Orders: got profiles %q, want none", got.Profiles)
	}
	var b bytes.Buffer
	if err := m.Encode(&b); err != nil {
		t.Fatal(err)
	}
	parsed, err := persisted.Parse(b.Bytes(), testSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	order, _ := parsed.Lookup(m.Operations[0].ID)
	orders, _ := parsed.Lookup(m.Operations[1].ID)
	for _, tc := range []struct {
		doc     *persisted.Document
		profile string
		serves  bool
	}{
		{order, "web", true}, {order, "mobile", true}, {order, "partner", false},
		{orders, "web", true}, {orders, "partner", true},
	} {
		if got := tc.doc.Serves(tc.profile); got != tc.serves {
			t.Errorf("%s serves %s: got %v, want %v", tc.doc.Name, tc.profile, got, tc.serves)
		}
	}
	if got := persisted.ProfilesComment("query A { a }\n#profiles:partner\n"); !slices.Equal(got, []string{"partner"}) {
		t.Errorf("ProfilesComment: got %q", got)
	}
}
