// Package devserver runs a complete Temporal server (frontend, history,
// matching and worker services) inside the current process, persisted to a
// SQLite file so that workflow state survives a restart of the process.
//
// It is the one Temporal set-up shared by the demo, the integration tests and
// the chaos tests. Start returns once the frontend accepts requests, the
// namespace exists and the product's custom search attributes
// (SearchAttributes) are registered. RegisterSearchAttributes performs the same
// idempotent registration against any cluster, for example a production one.
//
// The server is go.temporal.io/server, configured the way the Temporal CLI's
// "server start-dev" and the server's own temporaltest package configure it:
// one history shard, SQLite for both the default and the visibility store,
// static single-host membership on 127.0.0.1 and free ports for the internal
// services.
package devserver
