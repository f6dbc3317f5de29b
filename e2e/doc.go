// Package e2e holds the end-to-end tests: the embedded Temporal server, the
// local S3 and OCI endpoints, a real PostgreSQL routing target, and the
// worker as a separate process that the tests kill and restart.
package e2e
