// Package demo runs the one-command demo migration (go run ./cmd/demo): an
// embedded Temporal server persisted to SQLite, the local S3 and OCI Object
// Storage endpoints persisted on disk, sample user data seeded into the S3
// bucket, an in-process worker, and a migration of every shard up to its
// cutover, with live progress.
//
// Everything lives under one state directory, so that stopping the demo
// (Ctrl-C) and running it again resumes the same migration workflow instead
// of starting over: the endpoints listen on the ports recorded there and
// accept the same credentials, the data is seeded only once, and the
// migration workflow with the demo's id is attached to, not started again.
package demo
