package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func operationFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../testdata/operations/*.graphql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no operations: %v", err)
	}
	return files
}

func TestDemoManifestIsUpToDate(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), append([]string{"persist"}, operationFiles(t)...), nil, &out, &errOut); err != nil {
		t.Fatalf("persist: %v\n%s", err, errOut.String())
	}
	committed, err := os.ReadFile("../../server/demomanifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), committed) {
		t.Errorf("server/demomanifest.json is not what testdata/operations make: run make manifest and commit")
	}
}

func TestPersistWritesOnlyAGoodManifest(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.graphql")
	bad := filepath.Join(dir, "bad.graphql")
	out := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(good, []byte(`query Good { dashboard { summary { orderCount } } }`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(`query Bad { order(id: "o1") { shippingAddress } }`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"persist", "-o", out, good, bad}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), bad+`: line 1, column 31: Cannot query field "shippingAddress"`) {
		t.Errorf("got %v, want the bad file named with its problem", err)
	}
	if _, statErr := os.Stat(out); !os.IsNotExist(statErr) {
		t.Errorf("a manifest was written despite the error (%v)", statErr)
	}
	if err := run(context.Background(), []string{"persist", "-o", out, good}, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if err := run(context.Background(), []string{"check-manifest", out}, nil, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "1 trusted documents valid") {
		t.Errorf("check-manifest of what persist wrote: got %v, %q", err, stdout.String())
	}
}

func TestCheckManifestNamesEachBrokenOperation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "manifest.json")
	// A manifest written against an older schema: two operations use
	// fields the schema no longer has.
	manifest := `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [
		{"id": "a1", "name": "Ok", "type": "query", "body": "query Ok { me { id } }"},
		{"id": "b2", "name": "OldTotal", "type": "query", "body": "query OldTotal { order(id: \"o1\") { totalCents } }"},
		{"id": "c3", "name": "OldCustomer", "type": "query", "body": "query OldCustomer { customer(id: \"c1\") { phone } }"}
	]}`
	if err := os.WriteFile(path, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"check-manifest", path}, nil, &stdout, &stderr)
	for _, want := range []string{"operation b2 (OldTotal):", `"totalCents"`, "operation c3 (OldCustomer):", `"phone"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to say %s", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "a1") {
		t.Errorf("the valid operation is named: %v", err)
	}
	if err := run(context.Background(), []string{"check-manifest", "../../server/demomanifest.json"}, nil, &stdout, &stderr); err != nil {
		t.Errorf("the demo manifest: %v", err)
	}
}

// TestCheckManifestChecksTheProfilesDocumentsName: gqlbff persist keeps a
// file's "# profiles:" line; check-manifest fails when a document names a
// profile whose contract refuses it (Me, selecting email, for partner) or
// a profile that does not exist, and passes the same document named for
// web and mobile.
func TestCheckManifestChecksTheProfilesDocumentsName(t *testing.T) {
	me, err := os.ReadFile("../../testdata/operations/me.graphql")
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(me), "# profiles: web, mobile\n", "")
	for _, tc := range []struct {
		profiles string
		want     []string // in the error; none: valid
	}{
		{"web, mobile", nil},
		{"partner", []string{"(Me):", "serves partner, whose contract refuses it", `"email"`}},
		{"web, kiosk", []string{"(Me):", `names the profile "kiosk", which does not exist`}},
	} {
		dir := t.TempDir()
		src, out := filepath.Join(dir, "me.graphql"), filepath.Join(dir, "manifest.json")
		if err := os.WriteFile(src, []byte("# profiles: "+tc.profiles+"\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"persist", "-o", out, src}, nil, &stdout, &stderr); err != nil {
			t.Fatalf("persist: %v %s", err, stderr.String())
		}
		err := run(context.Background(), []string{"check-manifest", out}, nil, &stdout, &stderr)
		if tc.want == nil && err != nil {
			t.Errorf("profiles %s: %v", tc.profiles, err)
		}
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("profiles %s: got %v, want it to say %s", tc.profiles, err, w)
			}
		}
	}
}
