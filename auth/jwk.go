package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// jwk is a JSON Web Key (RFC 7517) as far as verification needs it. Members
// that point elsewhere (x5u) or carry certificates (x5c) are never read.
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid,omitempty"`
	Use    string   `json:"use,omitempty"`
	KeyOps []string `json:"key_ops,omitempty"`
	Alg    string   `json:"alg,omitempty"`
	Crv    string   `json:"crv,omitempty"`
	N      string   `json:"n,omitempty"`
	E      string   `json:"e,omitempty"`
	X      string   `json:"x,omitempty"`
	Y      string   `json:"y,omitempty"`
}

// jwkSet is a JWK Set.
type jwkSet struct {
	Keys []json.RawMessage `json:"keys"`
}

var b64 = base64.RawURLEncoding.Strict()

var jwkCurves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

// parseJWKS reads a JWK Set into verification keys by kid, keeping only
// signature keys with a kid whose algorithm is one of algs. Each key left
// out has its reason in skipped. A kid that appears twice is ambiguous and
// dropped. A set with no usable key is an error, so that the caller keeps
// its last good set.
func parseJWKS(body []byte, algs []string) (keys map[string]verificationKey, skipped []error, err error) {
	var set jwkSet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, nil, fmt.Errorf("JWKS is not a JWK Set: %w", err)
	}
	keys = make(map[string]verificationKey, len(set.Keys))
	dup := map[string]bool{}
	for i, raw := range set.Keys {
		k, err := parseJWK(raw, algs)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("key %d: %w", i, err))
			continue
		}
		if _, seen := keys[k.kid]; seen || dup[k.kid] {
			delete(keys, k.kid)
			dup[k.kid] = true
			skipped = append(skipped, fmt.Errorf("key %d: kid %q is not unique", i, k.kid))
			continue
		}
		keys[k.kid] = k
	}
	if len(keys) == 0 {
		return nil, skipped, fmt.Errorf("JWKS has no usable key (of %d)", len(set.Keys))
	}
	return keys, skipped, nil
}

func parseJWK(raw json.RawMessage, algs []string) (verificationKey, error) {
	var k jwk
	if err := json.Unmarshal(raw, &k); err != nil {
		return verificationKey{}, err
	}
	if k.Kid == "" {
		return verificationKey{}, errors.New("no kid")
	}
	if k.Use != "" && k.Use != "sig" {
		return verificationKey{}, fmt.Errorf("use %q", k.Use)
	}
	if k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify") {
		return verificationKey{}, fmt.Errorf("key_ops %v", k.KeyOps)
	}
	pub, err := k.publicKey()
	if err != nil {
		return verificationKey{}, err
	}
	alg := k.Alg
	if alg == "" {
		if alg, err = algFor(pub); err != nil {
			return verificationKey{}, err
		}
	}
	if !slices.Contains(algs, alg) {
		return verificationKey{}, fmt.Errorf("alg %q is not accepted", alg)
	}
	if err := checkKey(alg, pub); err != nil {
		return verificationKey{}, err
	}
	return verificationKey{kid: k.Kid, alg: alg, pub: pub}, nil
}

// publicKey decodes the key material of an RSA, EC or OKP (Ed25519) key;
// symmetric (oct) keys are never taken from a JWKS.
func (k jwk) publicKey() (any, error) {
	switch k.Kty {
	case "RSA":
		n, err := b64.DecodeString(k.N)
		if err != nil || len(n) == 0 {
			return nil, errors.New("bad RSA modulus")
		}
		e, err := b64.DecodeString(k.E)
		if err != nil || len(e) == 0 || len(e) > 4 {
			return nil, errors.New("bad RSA exponent")
		}
		exp := int(new(big.Int).SetBytes(e).Int64())
		if exp < 3 || exp%2 == 0 {
			return nil, errors.New("bad RSA exponent")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}, nil
	case "EC":
		curve, ok := jwkCurves[k.Crv]
		if !ok {
			return nil, fmt.Errorf("EC curve %q", k.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, errX := b64.DecodeString(k.X)
		y, errY := b64.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != size || len(y) != size {
			return nil, errors.New("bad EC point")
		}
		return ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	case "OKP":
		x, err := b64.DecodeString(k.X)
		if k.Crv != "Ed25519" || err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("OKP key: want an Ed25519 x of %d bytes", ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(x), nil
	default:
		return nil, fmt.Errorf("kty %q", k.Kty)
	}
}

// ed25519JWK is the public JWK of an Ed25519 key, its kid the RFC 7638
// thumbprint.
func ed25519JWK(pub ed25519.PublicKey) jwk {
	x := b64.EncodeToString(pub)
	// RFC 7638: the required members in lexicographic order, no spaces.
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	return jwk{Kty: "OKP", Crv: "Ed25519", X: x, Kid: b64.EncodeToString(sum[:]), Alg: "EdDSA", Use: "sig"}
}
