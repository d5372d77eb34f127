package server_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gqlbff/gqlbff/server"
)

// testCA is a certificate authority generated for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serial atomic.Int64

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: "gqlbff test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf for 127.0.0.1 (server) or a client, and returns its
// certificate and key as PEM, and its serial number.
func (ca *testCA) issue(t *testing.T, client bool) (certPEM, keyPEM []byte, sn int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sn = serial.Add(1)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(sn),
		Subject:      pkix.Name{CommonName: "gqlbff test leaf"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if client {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), sn
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	writeAtomically(t, path, b)
}

// tlsClient trusts ca and speaks HTTP/2 when the server offers it.
func tlsClient(t *testing.T, ca *testCA, cert *tls.Certificate, tweak func(*tls.Config)) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	tc := &tls.Config{RootCAs: pool}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	if tweak != nil {
		tweak(tc)
	}
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func postTLS(hc *http.Client, addr string) (*http.Response, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/graphql", strings.NewReader(`{"query":"{ order(id: \"o1\") { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer(defaultToken))
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// TestTLSServesHTTP2AndReloadsItsCertificate: HTTPS with HTTP/2 by ALPN,
// TLS 1.1 refused, plain HTTP refused; the certificate files are replaced
// while a client keeps sending requests, none fails, and new connections
// get the new certificate.
func TestTLSServesHTTP2AndReloadsItsCertificate(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	c1, k1, sn1 := ca.issue(t, false)
	writeFile(t, certFile, c1)
	writeFile(t, keyFile, k1)
	r := startRun(t, func(c *server.Config) { c.TLS.CertFile, c.TLS.KeyFile = certFile, keyFile })

	hc := tlsClient(t, ca, nil, nil)
	resp, body, err := postTLS(hc, r.addr)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 || resp.TLS.NegotiatedProtocol != "h2" || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("got %d %s, ALPN %q, TLS %x; want 200 over HTTP/2", resp.StatusCode, resp.Proto, resp.TLS.NegotiatedProtocol, resp.TLS.Version)
	}
	answer{status: resp.StatusCode, body: body}.response(t)
	if got := resp.TLS.PeerCertificates[0].SerialNumber.Int64(); got != sn1 {
		t.Errorf("certificate serial %d, want %d", got, sn1)
	}
	old := tlsClient(t, ca, nil, func(c *tls.Config) { c.MaxVersion = tls.VersionTLS11 })
	if _, _, err := postTLS(old, r.addr); err == nil {
		t.Error("TLS 1.1: got an answer, want the handshake refused")
	}
	// Plain HTTP to the HTTPS port: a JSON 400, not Go's text.
	plain, err := freshClient(t).Get("http://" + r.addr + "/healthz")
	if err != nil {
		t.Fatalf("plain HTTP: %v, want a 400 answer", err)
	}
	pb, _ := io.ReadAll(plain.Body)
	plain.Body.Close()
	pr := answer{status: plain.StatusCode, body: pb}.response(t)
	if plain.StatusCode != http.StatusBadRequest || !strings.HasPrefix(plain.Header.Get("Content-Type"), "application/json") ||
		len(pr.Errors) != 1 || pr.Errors[0].Code() != server.CodeBadUserInput || !strings.Contains(pr.Errors[0].Message, "HTTPS") {
		t.Errorf("plain HTTP: got %d %q %s, want 400 JSON BAD_USER_INPUT naming HTTPS", plain.StatusCode, plain.Header.Get("Content-Type"), pb)
	}

	// Rotation under load: one client on its HTTP/2 connection, another
	// opening a new connection per request.
	var failed atomic.Int64
	var firstErr sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, fresh := range []bool{false, true} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c := hc
				if fresh {
					c = tlsClient(t, ca, nil, func(c *tls.Config) {})
					c.Transport.(*http.Transport).DisableKeepAlives = true
				}
				resp, _, err := postTLS(c, r.addr)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					firstErr.Do(func() { t.Errorf("a request during the rotation: %v %v", err, resp) })
				}
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	c2, k2, sn2 := ca.issue(t, false)
	writeFile(t, keyFile, k2)
	writeFile(t, certFile, c2)
	eventually(t, "new connections to get the new certificate", func() bool {
		c := tlsClient(t, ca, nil, nil)
		resp, _, err := postTLS(c, r.addr)
		return err == nil && resp.TLS.PeerCertificates[0].SerialNumber.Int64() == sn2
	})
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if failed.Load() > 0 {
		t.Errorf("%d requests failed during the rotation", failed.Load())
	}
	// The first client's connection lives on, with the old certificate.
	resp, _, err = postTLS(hc, r.addr)
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("the open connection after the rotation: %v", err)
	}
}

func TestMutualTLS(t *testing.T) {
	ca := newTestCA(t)
	dir := t.TempDir()
	certFile, keyFile, caFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"), filepath.Join(dir, "ca.crt")
	c, k, _ := ca.issue(t, false)
	writeFile(t, certFile, c)
	writeFile(t, keyFile, k)
	writeFile(t, caFile, ca.pem)
	r := startRun(t, func(c *server.Config) {
		c.TLS.CertFile, c.TLS.KeyFile, c.TLS.ClientCAFile = certFile, keyFile, caFile
	})
	if _, _, err := postTLS(tlsClient(t, ca, nil, nil), r.addr); err == nil {
		t.Error("without a client certificate: got an answer, want the handshake refused")
	}
	other := newTestCA(t)
	oc, ok, _ := other.issue(t, true)
	stranger, _ := tls.X509KeyPair(oc, ok)
	if _, _, err := postTLS(tlsClient(t, ca, &stranger, nil), r.addr); err == nil {
		t.Error("with a certificate of another CA: got an answer, want the handshake refused")
	}
	cc, ck, _ := ca.issue(t, true)
	mine, _ := tls.X509KeyPair(cc, ck)
	resp, body, err := postTLS(tlsClient(t, ca, &mine, nil), r.addr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("with a client certificate of the CA: %v", err)
	}
	answer{status: resp.StatusCode, body: body}.response(t)
}

// TestSourceCAFile: an https source whose certificate a private CA signed
// is reachable only with sources.caFile.
func TestSourceCAFile(t *testing.T) {
	h := newHarness(t) // for its demo services
	target, _ := url.Parse(h.svcs.Orders.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	ptr := &http.Transport{}
	proxy.Transport = ptr
	tlsOrders := httptest.NewTLSServer(proxy)
	defer ptr.CloseIdleConnections()
	defer tlsOrders.Close()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	writeFile(t, caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsOrders.Certificate().Raw}))
	for _, withCA := range []bool{false, true} {
		hh := newHarness(t, withConfig(func(c *server.Config) {
			c.Sources.Orders.URL = tlsOrders.URL
			if withCA {
				c.Sources.CAFile = caFile
			}
		}))
		r := hh.query(`{ order(id: "o1") { id } }`, nil).response(t, "order")
		if withCA != (len(r.Errors) == 0) {
			t.Errorf("sources.caFile set %v: errors %+v", withCA, r.Errors)
		}
	}
	bad := server.Default()
	bad.Sources.CAFile = filepath.Join(t.TempDir(), "missing.crt")
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "sources.caFile") {
		t.Errorf("a missing CA file: got %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty.crt")
	if err := os.WriteFile(empty, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad.Sources.CAFile, bad.TLS.CertFile = empty, empty
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "no PEM certificate") || !strings.Contains(err.Error(), "set both or neither") {
		t.Errorf("bad TLS files: got %v", err)
	}
}
