package auth

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"
)

// verifiedTokens is how many verified tokens a Verifier remembers.
const verifiedTokens = 10_000

// A verified token is remembered by its exact text, so that the next
// request with the same token (a client sends one token for many requests)
// costs a lookup instead of a signature check and two JSON decodings. The
// same bytes under the same configuration verify the same way, but for
// time and keys: an entry holds until the token expires (with the leeway;
// nbf and iat only grow more true with time), and only while the JWKS key
// set it was verified under is still the current one. Refused tokens are
// never remembered.
type verifiedToken struct {
	claims Claims
	exp    time.Time
	keys   any // the JWKS key set at verification (nil without JWKS)
}

type verifiedCache struct {
	lru    *lru.Cache[string, verifiedToken]
	leeway time.Duration
}

func newVerifiedCache(leeway time.Duration) *verifiedCache {
	c, _ := lru.New[string, verifiedToken](verifiedTokens) // errors only for a size <= 0
	return &verifiedCache{lru: c, leeway: leeway}
}

// get answers the claims of token when it was verified before and still
// holds at now under the key set keys.
func (c *verifiedCache) get(token string, now time.Time, keys any) (Claims, bool) {
	e, ok := c.lru.Get(token)
	if !ok {
		return Claims{}, false
	}
	if e.keys != keys || !now.Before(e.exp.Add(c.leeway)) {
		c.lru.Remove(token)
		return Claims{}, false
	}
	return e.claims, true
}

// put remembers a token that verified with claims mc under keys.
func (c *verifiedCache) put(token string, claims Claims, mc jwt.MapClaims, keys any) {
	exp, err := mc.GetExpirationTime()
	if err != nil || exp == nil { // exp is required: a token got here with one
		return
	}
	c.lru.Add(token, verifiedToken{claims: claims, exp: exp.Time, keys: keys})
}
