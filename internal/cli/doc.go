// Package cli is the starter command: the operator's surface on a
// migration. It checks a plan on the workers (plan), starts a migration
// (start), shows its progress (status, with --watch and -o json) and sends
// the operator actions (pause, resume, retry-shard, approve, rollback, adopt,
// cancel) as Temporal Updates, whose validators refuse, with a reason, an
// action that does not apply.
//
// The starter holds no cloud credentials: everything that touches a store
// runs on the workers. It connects to Temporal like the Temporal CLI does
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, envconfig profiles).
package cli
