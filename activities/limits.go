package activities

import (
	"sync"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/plan"
)

// scopes holds a limiter per migration this worker runs, and per shard
// tuned on its own, each made under the engine's limiter: the worker's
// limits are a ceiling over all of them, and no migration's rates touch
// another's.
type scopes struct {
	mu       sync.Mutex
	limiters map[string]*engine.Limiter
}

// scopeKey names the limiter of a migration, or of one of its shards.
func scopeKey(migrationID, shardID string) string {
	if shardID == "" {
		return migrationID
	}
	return migrationID + "/" + shardID
}

// limiter returns the limiter of key, made under parent at first use.
func (sc *scopes) limiter(key string, parent *engine.Limiter) *engine.Limiter {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.limiters == nil {
		sc.limiters = map[string]*engine.Limiter{}
	}
	l, ok := sc.limiters[key]
	if !ok {
		l = engine.NewLimiterUnder(parent, 0, 0)
		sc.limiters[key] = l
	}
	return l
}

// forget drops the limiters of a migration (its own and its shards').
func (sc *scopes) forget(migrationID string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for k := range sc.limiters {
		if k == migrationID || len(k) > len(migrationID) && k[:len(migrationID)+1] == migrationID+"/" {
			delete(sc.limiters, k)
		}
	}
}

// engineFor returns the engine as one activity of ref uses it: the
// limiter of its migration (or of its shard, tuned on its own) set to the
// limits it carries (the plan's when it carries none), and the
// migration's concurrency and part size, bounded by the worker's.
func (a *Activities) engineFor(p *plan.Plan, ref ShardRef) *engine.Engine {
	l := ref.Limits
	if l == nil {
		l = &RateLimits{BytesPerSecond: float64(p.Limits.BytesPerSecond), RequestsPerSecond: p.Limits.RequestsPerSecond}
	}
	key := scopeKey(p.ID, "")
	if l.Shard {
		key = scopeKey(p.ID, ref.ShardID)
	}
	lim := a.scopes.limiter(key, a.eng.Limiter())
	lim.SetBytesPerSecond(l.BytesPerSecond)
	lim.SetRequestsPerSecond(l.RequestsPerSecond)
	conc := p.Limits.Concurrency
	if l.Concurrency > 0 {
		conc = l.Concurrency
	}
	return a.eng.For(engine.Scope{Limiter: lim, Concurrency: conc, PartSize: p.Limits.PartSize})
}

// LimitsOf returns the rates a worker applies to a migration (shardID "")
// or to a shard tuned on its own (0 = unlimited), and whether it has run
// there yet. (A function, not a method: every exported method of
// *Activities is an activity.)
func LimitsOf(a *Activities, migrationID, shardID string) (bytesPerSec, requestsPerSec float64, known bool) {
	a.scopes.mu.Lock()
	l, ok := a.scopes.limiters[scopeKey(migrationID, shardID)]
	a.scopes.mu.Unlock()
	if !ok {
		return 0, 0, false
	}
	b, r := l.Limits()
	return b, r, true
}
