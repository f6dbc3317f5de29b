// Package evidence writes and verifies a migration's signed evidence
// bundle: a directory that proves, offline, that each shard moved
// correctly.
//
// Layout of a bundle:
//
//	MANIFEST                       one "<sha256 hex>  <path>" line per file (sha256sum format)
//	MANIFEST.sig                   ed25519 signature of MANIFEST (see below)
//	migration.json                 the migration: source copies, destination, allowed regions
//	plan.json                      the stored plan (when the manifest store holds it)
//	report.json, report.md         the migration report (package report)
//	shards/<shard>/shard.json      state, counts, how the objects were checked (by source check,
//	                               destination check and verification), timings, and the index of
//	                               the shard's manifests and records (their keys and parts)
//	shards/<shard>/regions.json    the source and destination regions of the shard's data
//	shards/<shard>/routing.json    the routing changes, with times and identities
//	shards/<shard>/actions.json    every transition and operator action (who, what, when, why)
//	shards/<shard>/manifests/...   every stored manifest and record of the shard, byte for byte:
//	                               batch-*, recopy-*, delta-*, verify-*, final-verify.json,
//	                               reverse-sync.json, purge.json
//
// MANIFEST.sig is text:
//
//	ocimove-evidence-signature v1
//	algorithm: ed25519
//	key-id: <first 16 hex digits of the SHA-256 of the public key>
//	manifest-sha256: <hex SHA-256 of MANIFEST>
//	signature: <standard base64 of ed25519.Sign(priv, MANIFEST)>
//
// Keys. The operator supplies the private key as a file in one of these
// forms: a PEM "PRIVATE KEY" block (PKCS #8, as written by
// `openssl genpkey -algorithm ed25519` or GenerateKey), the raw 32-byte
// seed, or the seed as 64 hex digits. Public keys: a PEM "PUBLIC KEY"
// block (PKIX, `openssl pkey -pubout`, or the ".pub" file GenerateKey
// writes), the raw 32 bytes, or 64 hex digits. Key material never appears
// in an error.
//
// API:
//
//	pub, err := evidence.GenerateKey("evidence.key")      // also writes evidence.key.pub
//	priv, err := evidence.LoadPrivateKey("evidence.key")
//	err = evidence.Write(ctx, "bundle-dir", evidence.BundleSource{Store: st, Root: root,
//		Migration: info, Shards: shards}, priv)
//	pub, err = evidence.LoadPublicKey("evidence.key.pub")
//	err = evidence.Verify("bundle-dir", pub) // offline; a *VerifyError names the first bad file
//
// Verify needs no cloud access. It fails, naming the file, on a changed
// byte in any file, a missing file, an extra file, or a signature that
// does not verify with the given public key; the error wraps ErrTampered
// (or ErrWrongKey).
package evidence
