// Package webhook is a routing target reached over HTTP: ocimove calls the
// application's endpoint to change a shard's route, and the application
// keeps the routes. This comment is the protocol an application team
// implements; NewReferenceServer is a small implementation of it.
//
// # Authentication
//
// Every request carries two headers:
//
//	X-Ocimove-Timestamp: 1764432000                  (Unix seconds, when the request was signed)
//	X-Signature-256:     sha256=<hex HMAC-SHA256(secret, "<timestamp>." + payload)>
//
// The payload is the raw request body for POST and the raw query string
// (for example "shard=users%2F3f%2F") for GET. The receiver recomputes the
// MAC with the shared secret, compares it in constant time, and rejects
// the request with 401 if it differs or if the timestamp is more than five
// minutes away from its clock (replay protection; a replay inside that
// window is harmless, because changes are compare-and-set and idempotent).
// Serve the endpoint over HTTPS.
//
// # Changing a route: POST {url}
//
//	{"action": "set", "shard": "users/3f/", "to": "read-only", "location": "",
//	 "expectedVersion": 3, "operationId": "mig-42/users-3f/7c1e9a02/freeze-1",
//	 "actor": "ocimove", "reason": "freeze for cutover", "owner": "mig-42"}
//
// "to" is "source", "read-only" or "destination"; an empty "location" keeps
// the current one; "owner" is the migration making the change. The receiver
// applies the change only if the shard's version equals expectedVersion: it
// sets the state (and location), adds one to the version, stores the
// operation id and the owner, clears the drain acknowledgement and answers
// 200 with the new route. If the version differs but the route
// already carries this operationId and state "to", the change is a retry of
// one already applied: answer 200 with the current route. Otherwise answer
// 409 (a body {"error": "...", "current": <route>} is welcome). An unknown
// shard is 404, a malformed request 400. 5xx and 429 are retried.
//
// A route, in every 200 answer:
//
//	{"shard": "users/3f/", "state": "read-only", "location": "s3://bucket/users/3f/",
//	 "version": 4, "operationId": "mig-42/users-3f/7c1e9a02/freeze-1", "drainAck": false,
//	 "updatedAt": "2026-11-29T15:00:00Z", "actor": "ocimove", "owner": "mig-42"}
//
// drainAck is true once the application has seen writes to the shard drain
// under the current (read-only) operation.
//
// # Registering a shard: POST {url}
//
//	{"action": "register", "shard": "users/3f/", "location": "s3://bucket/users/3f/"}
//
// creates the route at version 0, state "source", if it does not exist, and
// answers 200 with the route (the existing one, unchanged, if it does).
//
// # Reading a route: GET {url}?shard=users%2F3f%2F
//
// answers 200 with the route, or 404. The client uses it to reconcile after a
// 409 or a lost response: if the route carries its operation id and target
// state, its change was applied.
package webhook
