package cost

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// Prices holds the prices of trusted documents (persisted operations),
// computed once, when the documents are loaded, so that a document over a
// profile's limit is refused at load and a request for one whose price does
// not depend on its variables is not priced again.
//
// A hash must name the trusted text itself (a manifest's document id, the
// SHA-256 of the text), never a key a client chose for a text it sent:
// the cache believes that the same hash is the same document.
type Prices struct {
	a  *Analyzer
	mu sync.RWMutex
	m  map[priceKey]Estimate
}

type priceKey struct{ hash, operation string }

// NewPrices returns an empty cache that prices with a.
func NewPrices(a *Analyzer) *Prices {
	return &Prices{a: a, m: map[priceKey]Estimate{}}
}

// Load prices every operation of doc, a validated trusted document, without
// variables (arguments take their defaults), and remembers the prices. It
// answers them by operation name; an estimate whose Variable is true is a
// price at the defaults, and is priced again with each request's variables.
func (p *Prices) Load(hash string, doc *ast.QueryDocument) (map[string]Estimate, error) {
	out := make(map[string]Estimate, len(doc.Operations))
	for _, op := range doc.Operations {
		est, err := p.a.Price(doc, op, nil)
		if err != nil {
			return nil, err
		}
		out[op.Name] = est
	}
	p.mu.Lock()
	for name, est := range out {
		p.m[priceKey{hash, name}] = est
	}
	p.mu.Unlock()
	return out, nil
}

// Price returns the price of op, an operation of the trusted document hash:
// the one computed by Load when it does not depend on variables, else a new
// one with vars.
func (p *Prices) Price(hash string, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) (Estimate, error) {
	if op != nil {
		p.mu.RLock()
		est, ok := p.m[priceKey{hash, op.Name}]
		p.mu.RUnlock()
		if ok && !est.Variable {
			return est, nil
		}
	}
	return p.a.Price(doc, op, vars)
}
