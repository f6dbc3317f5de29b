package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// Fingerprint returns the SHA-256, in hex, of the plan's canonical JSON:
// the plan normalized (defaults filled, canonical forms written) with its
// explicit shard prefixes and allowed regions sorted. Two plans that mean
// the same have the same fingerprint, so a starter can tell whether a
// running migration was started from a different plan. A plan that cannot
// be encoded (a non-finite limit, refused by Validate) has the empty
// fingerprint.
func (p *Plan) Fingerprint() string {
	b, err := p.CanonicalJSON()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// CanonicalJSON returns the JSON that Fingerprint hashes.
func (p *Plan) CanonicalJSON() ([]byte, error) {
	c := p.Clone()
	c.Normalize()
	slices.Sort(c.Shards.Prefixes)
	slices.Sort(c.Residency.AllowedRegions)
	return json.Marshal(c)
}
