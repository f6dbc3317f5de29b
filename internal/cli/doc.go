// Package cli is the starter command: the operator's surface on a
// migration. It checks a plan on the workers (plan), starts a migration
// (start), shows its progress (status, with --watch) and sends the operator
// actions (pause, resume, retry-shard, approve, rollback, adopt, tune,
// cancel) as Temporal Updates, whose validators refuse, with a reason, an
// action that does not apply; it writes the report and the signed evidence
// (report, verify-evidence).
//
// Every command that prints state or results takes -o json and writes one
// document of a stable shape (docs/CLI.md; the goldens in testdata/shapes
// are checked against the Go types, and the commands' real output against
// the goldens). Shell completion (cobra's completion command) completes
// migration and shard ids from Temporal visibility within a short budget.
//
// The starter holds no cloud credentials: everything that touches a store
// runs on the workers. It connects to Temporal like the Temporal CLI does
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key, envconfig profiles).
package cli
