package workflows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/ocimove/ocimove/activities"
	"github.com/ocimove/ocimove/internal/routing"
)

// Kinds of routing operation a shard makes; each is the <kind> of an
// operation id.
const (
	opClaim          = "claim"           // take an unowned (or adopted) route at the source
	opFreeze         = "freeze"          // source → read-only, before cutover
	opCutover        = "cutover"         // read-only → destination
	opUnfreeze       = "unfreeze"        // read-only → source, after a freeze that did not cut over
	opRollbackFreeze = "rollback-freeze" // destination → read-only, for reverse sync
	opRollbackSource = "rollback-source" // read-only → source, the rollback's goal
	opRollbackUndo   = "rollback-undo"   // read-only → destination, after a rollback that did not finish
)

// MetricUnfreezeRetries counts the retries of a return of routing to a
// writable state that the routing target refused or did not answer, by
// migration and shard: an alert on it fires before writes are stranded.
const MetricUnfreezeRetries = "ocimove_unfreeze_retries"

// opID returns this run's operation id of the n-th change of kind:
// "<migration>/<shard>/<run token>/<kind>-<n>". It is unique per change and
// per run, and the same across the retries of one change.
func (s *shard) opID(kind string, n int) string {
	return fmt.Sprintf("%s/%s/%s/%s-%d", s.in.MigrationID, s.in.ShardID, s.cp.RunToken, kind, n)
}

// opOf returns the kind and number of a route's operation when this run
// made it; ok is false for any other operation (another migration's,
// another run's, or none).
func (s *shard) opOf(r routing.Route) (kind string, n int, ok bool) {
	rest, found := strings.CutPrefix(r.OperationID, s.in.MigrationID+"/"+s.in.ShardID+"/"+s.cp.RunToken+"/")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(rest[i+1:])
	if err != nil {
		return "", 0, false
	}
	return rest[:i], n, true
}

// ours reports whether this migration drives the route.
func (s *shard) ours(r routing.Route) bool { return r.Owner == s.in.MigrationID }

// describe names a route for messages: state, operation and owner.
func describe(r routing.Route) string {
	owner := r.Owner
	if owner == "" {
		owner = "no migration"
	}
	return fmt.Sprintf("%s at version %d (operation %q, owned by %s)", r.State, r.Version, r.OperationID, owner)
}

func (s *shard) location(root string) string {
	if root == "" {
		return ""
	}
	return root + s.in.Prefix
}

// noteRoute records a route the target returned, for status.
func (s *shard) noteRoute(r routing.Route) {
	if r.State != "" {
		s.cp.RouteState = r.State
	}
	if r.State != routing.StateReadOnly {
		s.cp.ReadOnlySince = time.Time{}
	}
	s.cp.RouteVersion, s.cp.RouteOp, s.cp.RouteOwner = r.Version, r.OperationID, r.Owner
}

// setRoute changes the shard's route with a compare-and-set on the last
// version seen. Its retries reuse op, so a retry after a lost response
// finds its change applied and succeeds. The routing activities wait for
// their cancellation: when ctx is cancelled while the change is in flight,
// setRoute returns only once the change has applied or has not.
func (s *shard) setRoute(ctx workflow.Context, to routing.State, loc, op, actor, reason string) (routing.Route, error) {
	in := activities.RouteInput{Shard: s.ref(), To: to, Location: loc, ExpectedVersion: s.cp.RouteVersion,
		OperationID: op, Actor: actor, Reason: reason}
	var r routing.Route
	if err := workflow.ExecuteActivity(withRoute(ctx), activities.SetRouteName, in).Get(ctx, &r); err != nil {
		return routing.Route{}, fmt.Errorf("set route %s (operation %s, expected version %d): %w", to, op, in.ExpectedVersion, err)
	}
	if r.State == "" {
		r.State = to
	}
	s.noteRoute(r)
	if to == routing.StateReadOnly {
		s.cp.ReadOnlySince = workflow.Now(ctx)
	}
	s.logger.Info("route changed", "shard", s.in.ShardID, "to", to, "operation", op, "version", r.Version)
	return r, nil
}

// getRoute reads the shard's route.
func (s *shard) getRoute(ctx workflow.Context) (routing.Route, error) {
	var r routing.Route
	if err := workflow.ExecuteActivity(withRoute(ctx), activities.GetRouteName, s.ref()).Get(ctx, &r); err != nil {
		return routing.Route{}, fmt.Errorf("read the route: %w", err)
	}
	s.noteRoute(r)
	return r, nil
}

// makeWritable reads the route and, if a freeze of this run left it
// read-only, returns it to where writes belong: the source after a freeze
// before cutover, the destination after a rollback's freeze. It retries
// with a timer until the routing target accepts, never giving up, so a
// shard is never left read-only without a workflow driving it back; while
// it retries, status shows Restore and MetricUnfreezeRetries counts. It
// returns the route it leaves: writable, or read-only under an operation
// that is not this run's (which it does not touch). It runs disconnected
// from cancellation; it returns errContinueAsNew when the history is long,
// and the caller carries what it was doing.
func (s *shard) makeWritable(ctx workflow.Context, reason string) (routing.Route, error) {
	dctx, cancel := workflow.NewDisconnectedContext(ctx)
	defer cancel()
	for attempt := 1; ; attempt++ {
		r, err := s.getRoute(dctx)
		if err == nil {
			kind, n, mine := s.opOf(r)
			if r.State != routing.StateReadOnly || !mine || !s.ours(r) {
				s.cp.Restore = nil
				return r, nil
			}
			to, loc, op := routing.StateSource, s.in.Settings.SourceLocation, s.opID(opUnfreeze, n)
			if kind == opRollbackFreeze {
				to, loc, op = routing.StateDestination, s.in.Settings.DestinationLocation, s.opID(opRollbackUndo, n)
			}
			if s.cp.Restore == nil {
				s.cp.Restore = &RestoreStatus{To: to, Since: workflow.Now(dctx)}
			}
			var back routing.Route
			if back, err = s.setRoute(dctx, to, s.location(loc), op, SystemActor, reason); err == nil {
				s.cp.Restore = nil
				return back, nil
			}
		}
		s.restoreFailed(dctx, attempt, err)
		if s.canSuggested(ctx) {
			return routing.Route{}, errContinueAsNew
		}
		if err := workflow.Sleep(dctx, restoreBackoff(attempt)); err != nil {
			return routing.Route{}, err
		}
	}
}

// restoreFailed makes a failed attempt to return routing visible: in
// status, in the migration's view of the shard, in the log and in metrics.
func (s *shard) restoreFailed(ctx workflow.Context, attempt int, err error) {
	if s.cp.Restore == nil {
		s.cp.Restore = &RestoreStatus{Since: workflow.Now(ctx)}
	}
	s.cp.Restore.Attempts = attempt
	s.cp.Restore.LastError = errorMessage(err)
	s.setError(ClassUnfreeze, fmt.Sprintf("returning routing to %s: attempt %d failed: %s", s.cp.Restore.To, attempt, s.cp.Restore.LastError))
	s.logger.Error("routing not returned; retrying", "shard", s.in.ShardID, "to", s.cp.Restore.To, "attempt", attempt, "error", err)
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"migration": s.in.MigrationID, "shard": s.in.ShardID}).
		Counter(MetricUnfreezeRetries).Inc(1)
	s.report(ctx)
}

// restoreBackoff is the pause after the n-th failed attempt to return
// routing (each attempt already retries its activity for minutes).
func restoreBackoff(n int) time.Duration {
	return min(time.Duration(n)*10*time.Second, time.Minute)
}

// claim makes this migration the owner of the shard's route, which must be
// at the source: an unowned route at the start, or an adopted one.
func (s *shard) claim(ctx workflow.Context, r routing.Route, actor, reason string) error {
	s.cp.RouteVersion = r.Version
	s.cp.Claims++
	_, err := s.setRoute(ctx, routing.StateSource, "", s.opID(opClaim, s.cp.Claims), actor, reason)
	return err
}
