package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/golang-jwt/jwt/v5"
)

// The verification keys of bearer tokens. Each key verifies exactly one
// algorithm, fixed when the key is loaded: by its configuration (alg in the
// config or in the JWKS) or by its type. The key function hands a token a
// key only when the token's alg is that key's algorithm and the key's Go
// type is the one the method needs, so alg:none and HS/RS confusion cannot
// happen.

// Key sizes gqlbff accepts.
const (
	minRSABits  = 2048
	maxRSABits  = 8192 // bounds the cost of one verification
	minHMACSize = 32
)

// asymmetricAlgorithms are the algorithms of public keys gqlbff verifies.
var asymmetricAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

var (
	errKeyType = errors.New("key type does not fit the algorithm")
	errWeakKey = errors.New("RSA key under 2048 bits")
)

// verificationKey is one trusted key and the one algorithm it verifies.
type verificationKey struct {
	kid string
	alg string
	pub any // []byte (HS256), *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

var curveAlgs = map[elliptic.Curve]string{elliptic.P256(): "ES256", elliptic.P384(): "ES384", elliptic.P521(): "ES512"}

// algFor is the algorithm a key verifies when nothing names one.
func algFor(pub any) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		if alg, ok := curveAlgs[k.Curve]; ok {
			return alg, nil
		}
		return "", fmt.Errorf("%w: EC curve %s", errKeyType, k.Curve.Params().Name)
	case ed25519.PublicKey:
		return "EdDSA", nil
	default:
		return "", fmt.Errorf("%w: unsupported key type %T", errKeyType, pub)
	}
}

// checkKey reports whether pub is a sound key for alg.
func checkKey(alg string, pub any) error {
	switch k := pub.(type) {
	case []byte:
		if alg != "HS256" || len(k) < minHMACSize {
			return fmt.Errorf("%w: a secret verifies HS256 only, with at least %d bytes", errKeyType, minHMACSize)
		}
	case *rsa.PublicKey:
		if !slices.Contains([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}, alg) {
			return fmt.Errorf("%w: RSA key for %s", errKeyType, alg)
		}
		if n := k.N.BitLen(); n < minRSABits || n > maxRSABits {
			if n < minRSABits {
				return fmt.Errorf("%w: %d bits", errWeakKey, n)
			}
			return fmt.Errorf("RSA key of %d bits, over %d", n, maxRSABits)
		}
	case *ecdsa.PublicKey:
		if curveAlgs[k.Curve] != alg {
			return fmt.Errorf("%w: EC %s key for %s", errKeyType, k.Curve.Params().Name, alg)
		}
	case ed25519.PublicKey:
		if alg != "EdDSA" || len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: Ed25519 key for %s", errKeyType, alg)
		}
	default:
		return fmt.Errorf("%w: unsupported key type %T", errKeyType, pub)
	}
	return nil
}

// methodFits asserts the key's Go type against the token's signing method:
// the second, independent guard against algorithm confusion.
func methodFits(m jwt.SigningMethod, pub any) bool {
	switch m.(type) {
	case *jwt.SigningMethodHMAC:
		_, ok := pub.([]byte)
		return ok
	case *jwt.SigningMethodRSA, *jwt.SigningMethodRSAPSS:
		_, ok := pub.(*rsa.PublicKey)
		return ok
	case *jwt.SigningMethodECDSA:
		_, ok := pub.(*ecdsa.PublicKey)
		return ok
	case *jwt.SigningMethodEd25519:
		_, ok := pub.(ed25519.PublicKey)
		return ok
	default:
		return false
	}
}

// loadKey reads one configured public key.
func loadKey(kc KeyConfig) (verificationKey, error) {
	raw := []byte(kc.PEM)
	switch {
	case kc.File != "" && kc.PEM != "":
		return verificationKey{}, errors.New("set file or pem, not both")
	case kc.File != "":
		b, err := os.ReadFile(kc.File)
		if err != nil {
			return verificationKey{}, err
		}
		raw = b
	case kc.PEM == "":
		return verificationKey{}, errors.New("set file or pem")
	}
	pub, err := parsePublicKeyPEM(raw)
	if err != nil {
		return verificationKey{}, err
	}
	alg := kc.Alg
	if alg == "" {
		if alg, err = algFor(pub); err != nil {
			return verificationKey{}, err
		}
	}
	if !slices.Contains(asymmetricAlgorithms, alg) {
		return verificationKey{}, fmt.Errorf("alg: want one of %v, got %q", asymmetricAlgorithms, alg)
	}
	if err := checkKey(alg, pub); err != nil {
		return verificationKey{}, err
	}
	return verificationKey{kid: kc.KID, alg: alg, pub: pub}, nil
}

// parsePublicKeyPEM reads the first PEM block: a PUBLIC KEY (PKIX), an RSA
// PUBLIC KEY (PKCS #1) or a CERTIFICATE. Private keys are refused: the
// verifier has no business holding one.
func parsePublicKeyPEM(b []byte) (any, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	switch block.Type {
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		return x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		return cert.PublicKey, nil
	default:
		return nil, fmt.Errorf("PEM block %q: want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", block.Type)
	}
}

// AsymmetricAlgorithms are the algorithms of the public keys gqlbff
// verifies: the values a KeyConfig's Alg and JWTConfig.JWKSAlgorithms take.
func AsymmetricAlgorithms() []string { return slices.Clone(asymmetricAlgorithms) }
