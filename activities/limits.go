package activities

// applyLimits makes l the worker's copy rates. The engine's limiter is
// shared by every activity on this worker, so the latest change wins.
func (a *Activities) applyLimits(l *RateLimits) {
	lim := a.eng.Limiter()
	if l == nil || lim == nil {
		return
	}
	lim.SetBytesPerSecond(l.BytesPerSecond)
	lim.SetRequestsPerSecond(l.RequestsPerSecond)
}
