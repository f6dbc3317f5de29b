package activities

import (
	"slices"
	"strings"
	"sync"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
)

// scopes holds, per migration this worker runs and per shard tuned on its
// own, the limits it applies: a limiter made under the engine's (the
// worker's limits are a ceiling over all of them, and no migration's
// rates touch another's) and the objects in flight.
type scopes struct {
	mu sync.Mutex
	m  map[string]*scope
}

type scope struct {
	limiter     *engine.Limiter
	concurrency int
}

// scopeKey names the scope of a migration, or of one of its shards.
func scopeKey(migrationID, shardID string) string {
	if shardID == "" {
		return migrationID
	}
	return migrationID + "/" + shardID
}

// get returns the scope of key, made under parent at first use.
func (sc *scopes) get(key string, parent *engine.Limiter) *scope {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.m == nil {
		sc.m = map[string]*scope{}
	}
	s, ok := sc.m[key]
	if !ok {
		s = &scope{limiter: engine.NewLimiterUnder(parent, 0, 0)}
		sc.m[key] = s
	}
	return s
}

// forget drops the scopes of a migration (its own and its shards').
func (sc *scopes) forget(migrationID string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for k := range sc.m {
		if k == migrationID || strings.HasPrefix(k, migrationID+"/") {
			delete(sc.m, k)
		}
	}
}

// engineFor returns the engine as one activity of ref uses it: the scope
// of its migration (or of its shard, tuned on its own) set to the limits
// it carries (the plan's when it carries none), with the migration's
// concurrency and part size bounded by the worker's, and its events
// tagged with the migration and the shard.
func (a *Activities) engineFor(p *plan.Plan, ref ShardRef) *engine.Engine {
	l := ref.Limits
	if l == nil {
		l = &RateLimits{BytesPerSecond: float64(p.Limits.BytesPerSecond), RequestsPerSecond: p.Limits.RequestsPerSecond}
	}
	key := scopeKey(p.ID, "")
	if l.Shard {
		key = scopeKey(p.ID, ref.ShardID)
	}
	sc := a.scopes.get(key, a.eng.Limiter())
	sc.limiter.SetBytesPerSecond(l.BytesPerSecond)
	sc.limiter.SetRequestsPerSecond(l.RequestsPerSecond)
	conc := p.Limits.Concurrency
	if l.Concurrency > 0 {
		conc = l.Concurrency
	}
	e := a.eng.For(engine.Scope{Migration: p.ID, Shard: ref.ShardID, Limiter: sc.limiter, Concurrency: conc, PartSize: p.Limits.PartSize})
	a.scopes.mu.Lock()
	sc.concurrency = e.Concurrency()
	a.scopes.mu.Unlock()
	return e
}

// ScopeLimits are the limits a worker applies to a migration, or to one of
// its shards tuned on its own (Shard set).
type ScopeLimits struct {
	Migration, Shard  string
	BytesPerSecond    float64 // 0: unlimited (the worker's ceiling applies)
	RequestsPerSecond float64
	Concurrency       int
}

// LimitsOf returns the limits a worker applies to a migration (shardID "")
// or to a shard tuned on its own, and whether it has run there yet. (A
// function, not a method: every exported method of *Activities is an
// activity.)
func LimitsOf(a *Activities, migrationID, shardID string) (ScopeLimits, bool) {
	a.scopes.mu.Lock()
	defer a.scopes.mu.Unlock()
	s, ok := a.scopes.m[scopeKey(migrationID, shardID)]
	if !ok {
		return ScopeLimits{}, false
	}
	return s.limits(migrationID, shardID), true
}

// ScopesOf lists every scope a worker applies, in key order.
func ScopesOf(a *Activities) []ScopeLimits {
	a.scopes.mu.Lock()
	defer a.scopes.mu.Unlock()
	out := make([]ScopeLimits, 0, len(a.scopes.m))
	for k, s := range a.scopes.m {
		mig, shard, _ := strings.Cut(k, "/")
		out = append(out, s.limits(mig, shard))
	}
	slices.SortFunc(out, func(x, y ScopeLimits) int {
		return strings.Compare(scopeKey(x.Migration, x.Shard), scopeKey(y.Migration, y.Shard))
	})
	return out
}

func (s *scope) limits(migration, shard string) ScopeLimits {
	b, r := s.limiter.Limits()
	return ScopeLimits{Migration: migration, Shard: shard, BytesPerSecond: b, RequestsPerSecond: r, Concurrency: s.concurrency}
}
