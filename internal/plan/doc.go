// Package plan is the migration plan as a typed Go value: what to copy
// (the primary source, plus the replicas and backups that are purged at
// the end), where to (an OCI Object Storage bucket, by default), in which
// shards, at what pace, how to verify, catch up, freeze and cut over, which
// regions the data may live in, and how long to soak before purging.
//
// The primary, each copy and the destination are locations: a store kind
// and its settings (store.Settings), as the kind's package registered them
// (store.Register); the routing target is a routing target kind and its
// settings (routing.Register). The plan knows no kind's settings but its
// defaults' (s3 for the primary, oci for the destination): a program links
// the kinds it knows by importing internal/backends.
//
// A Plan is small enough to be a Temporal workflow input: generated shard
// lists are stored as their generator, not expanded, and secrets appear only
// as references (SecretRef: env:NAME, profile:NAME or file:PATH) that the
// workers resolve, so no secret value ever enters workflow history.
//
// The life of a plan:
//
//	p := plan.Example()          // or decoded from YAML or JSON
//	p.Normalize()                // fill the defaults (docs/PLAN.md lists them)
//	err := p.Validate()          // every problem at once, as *ValidationError
//	err = p.ValidateSecrets(os.LookupEnv) // in the worker, which holds the credentials
//
// The struct carries json tags with camelCase keys, the keys of plan
// files too: ParseFile reads YAML (goccy/go-yaml), checks it against the Go
// types and each location's kind, and decodes the plan from its JSON, as a
// workflow input is decoded; the result is validated, then checked against
// the plan's JSON Schema (Schema). Durations are written as Go duration
// strings ("15m", "168h").
//
// Normalize, Validate, Fingerprint and AllowedRegion consult the OCI SDK's
// region table, which may read OCI_REGION_METADATA and
// ~/.oci/regions-config.json: call them in the starter or in activities,
// and hand workflows a normalized plan. ShardPrefixes, ShardList, ShardID,
// ExpandGenerator, DeltaPolicy.Settled, Filters.Admit, Clone and the
// Effective accessors are pure and safe in workflow code.
package plan
