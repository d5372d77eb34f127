package server

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// TLSConfig makes the public listener serve HTTPS only (DESIGN.md, HTTP
// surface): TLS 1.2 or later, HTTP/2 by ALPN. The certificate and key are
// re-read when their files change, without a restart; connections open
// keep the certificate they started with.
type TLSConfig struct {
	// CertFile is the PEM certificate chain, the server's first; empty
	// serves plain HTTP.
	CertFile string `yaml:"certFile" env:"CERT_FILE"`
	// KeyFile is the PEM private key of the certificate.
	KeyFile string `yaml:"keyFile" env:"KEY_FILE"`
	// ClientCAFile, when set, requires every client to present a
	// certificate signed by one of its PEM CAs (mutual TLS).
	ClientCAFile string `yaml:"clientCAFile" env:"CLIENT_CA_FILE"`
}

// enabled reports whether the public listener serves HTTPS.
func (t TLSConfig) enabled() bool { return t.CertFile != "" }

func (c Config) validateTLS() []error {
	var errs []error
	t := c.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, errors.New("tls.certFile, tls.keyFile: set both or neither"))
	} else if t.enabled() {
		if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
			errs = append(errs, fmt.Errorf("tls.certFile, tls.keyFile: %v", err))
		}
	}
	if t.ClientCAFile != "" {
		if !t.enabled() {
			errs = append(errs, errors.New("tls.clientCAFile: set, but tls.certFile is empty: client certificates need TLS"))
		}
		if _, err := loadCAs(t.ClientCAFile, false); err != nil {
			errs = append(errs, fmt.Errorf("tls.clientCAFile: %v", err))
		}
	}
	if f := c.Sources.CAFile; f != "" {
		if _, err := loadCAs(f, true); err != nil {
			errs = append(errs, fmt.Errorf("sources.caFile: %v", err))
		}
	}
	return errs
}

// loadCAs reads a PEM file of CA certificates into a pool, on top of the
// system's when withSystem is set.
func loadCAs(path string, withSystem bool) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if withSystem {
		if sys, err := x509.SystemCertPool(); err == nil {
			pool = sys
		}
	}
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// rootCAs is the pool the sources trust: the system's and sources.caFile;
// nil (the system's alone) without the file.
func (c SourcesConfig) rootCAs() *x509.CertPool {
	if c.CAFile == "" {
		return nil
	}
	pool, _ := loadCAs(c.CAFile, true) // Validate has read it
	return pool
}

// serverTLS is the public listener's tls.Config for cfg.
func serverTLS(cfg TLSConfig, log *slog.Logger) (*tls.Config, error) {
	kp := &keyPair{cert: cfg.CertFile, key: cfg.KeyFile, log: log, every: time.Second}
	if err := kp.load(); err != nil {
		return nil, err
	}
	tc := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
		GetCertificate: kp.get,
	}
	if cfg.ClientCAFile != "" {
		pool, err := loadCAs(cfg.ClientCAFile, false)
		if err != nil {
			return nil, err
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// keyPair is the certificate in force, re-read when its files change:
// a handshake looks at the files' modification times and sizes at most
// once a second, and a pair that fails to load leaves the old one in
// force (logged).
type keyPair struct {
	cert, key string
	log       *slog.Logger
	every     time.Duration

	mu      sync.Mutex
	current *tls.Certificate
	stamp   string
	checked time.Time
}

func fileStamp(paths ...string) string {
	s := ""
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return ""
		}
		s += fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return s
}

// load reads the pair now.
func (k *keyPair) load() error {
	stamp := fileStamp(k.cert, k.key)
	c, err := tls.LoadX509KeyPair(k.cert, k.key)
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.current, k.stamp, k.checked = &c, stamp, time.Now()
	k.mu.Unlock()
	return nil
}

func (k *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	k.mu.Lock()
	if time.Since(k.checked) < k.every {
		c := k.current
		k.mu.Unlock()
		return c, nil
	}
	k.checked = time.Now()
	changed := fileStamp(k.cert, k.key) != k.stamp
	c := k.current
	k.mu.Unlock()
	if changed {
		if err := k.load(); err != nil {
			k.log.Warn("tls: the changed certificate or key does not load; the old pair stays in force", "error", err)
		} else {
			k.log.Info("tls: certificate reloaded", "cert", k.cert)
			k.mu.Lock()
			c = k.current
			k.mu.Unlock()
		}
	}
	return c, nil
}
