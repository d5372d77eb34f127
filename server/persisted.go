package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/gqlbff/gqlbff/caller"
	"github.com/gqlbff/gqlbff/persisted"
)

// errUnknownDocument marks an unknown documentId: the request named a
// document that does not exist, a client error (400), unlike an unknown
// APQ hash, which Apollo clients expect with 200 and answer with the text.
var errUnknownDocument = errors.New("unknown document id")

// persistedPolicy is the persisted-query policy, a gqlgen extension that
// runs before anything is parsed. It turns a documentId or an APQ hash
// into the text to run, enforces each client profile's mode, and hands the
// executor a trusted document already parsed and validated (through
// documentCache). The order of resolution:
//
//  1. documentId: a trusted document, whatever the mode; unknown → 400.
//  2. APQ hash of a trusted document (Apollo clients send manifest ids so):
//     that document.
//  3. APQ hash alone: the APQ store, in modes off and log_unknown; unknown
//     → PERSISTED_QUERY_NOT_FOUND with HTTP 200, and Apollo clients send
//     the text with the hash.
//  4. Text (APQ hash + text: the hash must be the text's SHA-256): off runs
//     it; log_unknown runs it and logs it when it is not trusted;
//     safelist runs the trusted document it normalizes to, or refuses;
//     require_id refuses (403 PERSISTED_QUERY_REQUIRED). APQ registers the
//     text only in off and log_unknown, and only once it validated.
//
// The operator bypass header turns the mode off for one request.
type persistedPolicy struct {
	profiles  profiles
	trusted   *persisted.Trusted
	store     persisted.Store // nil: APQ is off
	bypass    bypass
	maxTokens int
	log       *slog.Logger
	counts    persistedCounts
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*persistedPolicy)(nil)

// persistedExtension names the per-operation PersistedInfo in gqlgen's
// operation stats.
const persistedExtension = "PersistedQuery"

// PersistedInfo is what the policy decided about one operation. The cost
// analyzer reads a trusted document's cost, computed at load, from
// Document.Cost.
type persistedInfo struct {
	// Mode is the mode applied: the profile's, or off under the bypass.
	Mode PersistedMode
	// Document is the trusted document that runs; nil for other text.
	Document *persisted.Document
	// APQHash is the APQ hash the request sent.
	APQHash string
	// Bypass reports that the operator bypass was used.
	Bypass bool

	register string // the APQ text to store once it validated
	unknown  bool   // not a trusted document, in log_unknown
	sha256   string // the SHA-256 of its normalized form, when it has one
}

// PersistedInfoFrom returns the policy's decision about the operation of
// ctx; nil when there is none.
func persistedInfoFrom(ctx context.Context) *persistedInfo {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	info, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(persistedExtension).(*persistedInfo)
	return info
}

// ExtensionName implements graphql.HandlerExtension.
func (*persistedPolicy) ExtensionName() string { return "PersistedQueries" }

// Validate implements graphql.HandlerExtension.
func (p *persistedPolicy) Validate(graphql.ExecutableSchema) error {
	if p.trusted == nil {
		return errors.New("PersistedQueries: no trusted documents")
	}
	return nil
}

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (p *persistedPolicy) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	req, err := persisted.ParseRequest(raw.Extensions)
	if err != nil {
		return newError(CodeBadUserInput, "%s", err.Error())
	}
	id := caller.From(ctx)
	info := &persistedInfo{Mode: p.mode(id.Client), APQHash: req.APQHash}
	graphql.GetOperationContext(ctx).Stats.SetExtension(persistedExtension, info)
	if p.bypass.used(ctx, raw.Headers, id, raw.OperationName, p.log) {
		info.Mode, info.Bypass = ModeOff, true
		p.counts.bypasses.Add(1)
	}
	m := p.trusted.Current()
	switch {
	case req.DocumentID != "":
		if raw.Query != "" {
			return newError(CodeBadUserInput, "send documentId or query, not both")
		}
		doc, ok := m.Lookup(req.DocumentID)
		if !ok || !doc.Serves(id.Client) {
			e := newError(CodePersistedQueryNotFound, "no trusted document has the id %q", req.DocumentID)
			e.Err = errUnknownDocument
			return e
		}
		p.run(raw, info, doc)
		return nil
	case req.APQHash != "":
		if raw.Query != "" && persisted.Hash(raw.Query) != req.APQHash {
			return newError(CodeBadUserInput, "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query text")
		}
		if doc, ok := m.Lookup(req.APQHash); ok && doc.Serves(id.Client) {
			p.run(raw, info, doc)
			return nil
		}
		if raw.Query == "" {
			return p.apqLookup(ctx, raw, info, m)
		}
		if p.store != nil && (info.Mode == ModeOff || info.Mode == ModeLogUnknown) {
			info.register = raw.Query
		}
	}
	return p.text(ctx, raw, info, m)
}

// apqLookup runs the text registered under the request's hash.
func (p *persistedPolicy) apqLookup(ctx context.Context, raw *graphql.RawParams, info *persistedInfo, m *persisted.Manifest) *gqlerror.Error {
	if p.store == nil {
		// Apollo clients stop sending hashes for the session on this message.
		return newError(CodePersistedQueryNotFound, "PersistedQueryNotSupported")
	}
	if info.Mode == ModeOff || info.Mode == ModeLogUnknown {
		text, ok, err := p.store.Get(ctx, info.APQHash)
		if err != nil {
			// The store logs an outage once, when it starts, and its end.
			p.log.DebugContext(ctx, "apq store", "request_id", caller.From(ctx).RequestID, "error", err)
		}
		if ok {
			p.counts.apqHits.Add(1)
			raw.Query = text
			return p.text(ctx, raw, info, m)
		}
	}
	p.counts.apqMisses.Add(1)
	recordFrom(ctx).markAPQMiss()
	return newError(CodePersistedQueryNotFound, "PersistedQueryNotFound")
}

// text applies the mode to a query text.
func (p *persistedPolicy) text(ctx context.Context, raw *graphql.RawParams, info *persistedInfo, m *persisted.Manifest) *gqlerror.Error {
	switch info.Mode {
	case ModeOff:
		return nil
	case ModeRequireID:
		p.counts.refused.Add(1)
		return newError(CodePersistedQueryRequired, "this client may only run trusted documents: send a documentId")
	}
	norm, err := persisted.Normalize(raw.Query, p.maxTokens)
	if err == nil {
		if doc, ok := m.Match(norm); ok && doc.Serves(caller.From(ctx).Client) {
			p.run(raw, info, doc)
			return nil
		}
	}
	if info.Mode == ModeSafelist {
		p.counts.refused.Add(1)
		return newError(CodePersistedQueryRequired, "this client may only run trusted documents, and this is not one")
	}
	// log_unknown: logged and counted once it parsed, with its name.
	info.unknown = true
	if err == nil {
		info.sha256 = persisted.Hash(norm)
	}
	return nil
}

// run makes the executor run a trusted document: the text is the
// document's body, which documentCache answers with the parsed document.
func (p *persistedPolicy) run(raw *graphql.RawParams, info *persistedInfo, doc *persisted.Document) {
	raw.Query = doc.Body
	info.Document = doc
	p.counts.trusted.Add(1)
}

// MutateOperationContext implements graphql.OperationContextMutator. Once
// the executor parsed and validated the operation, it logs and counts an
// operation unknown to the manifest (log_unknown), with its name and the
// SHA-256 of its normalized form (the id `gqlbff persist` would give it),
// and registers an APQ text, so the store never holds a text that cannot
// run.
func (p *persistedPolicy) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	info, _ := oc.Stats.GetExtension(persistedExtension).(*persistedInfo)
	if info == nil {
		return nil
	}
	if info.unknown {
		id := caller.From(ctx)
		p.counts.unknown(id.Client).Add(1)
		p.log.InfoContext(ctx, "operation not in the manifest", "request_id", caller.From(ctx).RequestID,
			"client", id.Client, "subject", id.Subject, "operation", oc.Operation.Name, "sha256", info.sha256)
	}
	if info.register != "" {
		if err := p.store.Put(ctx, info.APQHash, info.register); err != nil {
			// The store logs an outage once, when it starts, and its end.
			p.log.DebugContext(ctx, "apq store", "request_id", caller.From(ctx).RequestID, "error", err)
		}
		p.counts.apqRegistered.Add(1)
	}
	return nil
}

// mode is the persisted-query mode of a client profile.
func (p *persistedPolicy) mode(client string) PersistedMode {
	return p.profiles.named(client).persisted
}

// bypass is the operator bypass: a header whose value must equal a secret.
type bypass struct {
	header string
	digest [sha256.Size]byte
	on     bool
}

func newBypass(cfg BypassConfig) bypass {
	if cfg.Secret == "" {
		return bypass{}
	}
	return bypass{header: cfg.Header, digest: sha256.Sum256([]byte(cfg.Secret)), on: true}
}

// used reports whether the request carries the bypass, comparing digests in
// constant time (their length is fixed, so not even the secret's length
// leaks). Every use and every wrong value is logged.
func (b bypass) used(ctx context.Context, h http.Header, id caller.Caller, op string, log *slog.Logger) bool {
	if !b.on {
		return false
	}
	v := h.Get(b.header)
	if v == "" {
		return false
	}
	got := sha256.Sum256([]byte(v))
	attrs := []any{"request_id", caller.From(ctx).RequestID, "client", id.Client, "subject", id.Subject, "operation", op}
	if subtle.ConstantTimeCompare(got[:], b.digest[:]) != 1 {
		log.WarnContext(ctx, "persisted-query bypass refused: wrong secret", attrs...)
		return false
	}
	log.WarnContext(ctx, "persisted-query bypass used", attrs...)
	return true
}
