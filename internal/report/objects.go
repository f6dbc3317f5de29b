package report

import (
	"context"
	"path"
	"strings"
	"time"

	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
)

// Object is one object of a shard as its merged manifests record it: how
// its source read was checked, how the destination checked the write,
// its hashes and outcome, and what the shard's verification records say
// of it. It is the per-object view the report links to.
type Object struct {
	ShardID string `json:"shardId"`
	Key     string `json:"key"`
	Size    int64  `json:"size"`
	Outcome string `json:"outcome"`
	// Deleted is the deletion mark: "deleted" (removed at the
	// destination) or "deleted-at-source-kept".
	Deleted string `json:"deleted,omitempty"`
	// SourceCheck is how the source read was checked (etag-md5,
	// checksum-crc64nvme, provenance, none, …); DestCheck how the
	// destination checked the write (content-md5, multipart-md5, rehash).
	SourceCheck   string    `json:"sourceCheck,omitempty"`
	DestCheck     string    `json:"destCheck,omitempty"`
	SHA256        string    `json:"sha256,omitempty"`
	MD5           string    `json:"md5,omitempty"`
	CRC32C        uint32    `json:"crc32c,omitempty"`
	Parts         int       `json:"parts,omitempty"`
	SourceETag    string    `json:"sourceETag,omitempty"`
	SourceVersion string    `json:"sourceVersion,omitempty"`
	SourceMTime   time.Time `json:"sourceMTime,omitzero"`
	DestETag      string    `json:"destETag,omitempty"`
	Error         string    `json:"error,omitempty"`
	ErrorClass    string    `json:"errorClass,omitempty"`
	// Problems are the findings the shard's verification records (the
	// runs and the latest final verification) name for this key; each
	// record names at most 1000 keys.
	Problems []ObjectProblem `json:"problems,omitempty"`
}

// ObjectProblem is one verification record's finding for an object.
type ObjectProblem struct {
	// Record is the record's name, e.g. "verify-quick.json".
	Record  string `json:"record"`
	Problem string `json:"problem"`
}

// EachObject calls f for every object of the shard's merged manifests
// under root in st, in key order, streaming: memory holds the
// verification records' findings (bounded) and one entry per manifest
// stream, never the shard's entries. It stops at f's first error.
func EachObject(ctx context.Context, st store.Store, root, shardID string, f func(Object) error) error {
	ms, err := openManifests(st, root)
	if err != nil {
		return err
	}
	problems, err := recordProblems(ctx, ms, shardID)
	if err != nil {
		return err
	}
	r, err := ms.Open(ctx, shardID, manifest.ReadOptions{})
	if err != nil {
		return err
	}
	for {
		e, ok, err := r.Next()
		if err != nil || !ok {
			return err
		}
		o := Object{ShardID: shardID, Key: e.Key, Size: e.Size, Outcome: string(e.Outcome), Deleted: e.Deleted,
			SourceCheck: e.SourceCheck, DestCheck: e.DestCheck, SHA256: e.SHA256, MD5: e.MD5, CRC32C: e.CRC32C, Parts: e.Parts,
			SourceETag: e.SourceETag, SourceVersion: e.SourceVersion, SourceMTime: e.SourceMTime, DestETag: e.DestETag,
			Error: e.Error, ErrorClass: string(e.ErrorClass), Problems: problems[e.Key]}
		if err := f(o); err != nil {
			return err
		}
	}
}

// recordProblems reads the findings of the shard's verification records
// (every verify-*.json, and the final verification of the latest
// freeze) by key.
func recordProblems(ctx context.Context, ms *manifest.Store, shardID string) (map[string][]ObjectProblem, error) {
	keys, err := ms.ListKeys(ctx, manifest.ShardDir(ms.Root(), shardID))
	if err != nil {
		return nil, err
	}
	out := map[string][]ObjectProblem{}
	add := func(record string, ps []manifest.Problem) {
		for _, p := range ps {
			out[p.Key] = append(out[p.Key], ObjectProblem{Record: record, Problem: p.Problem})
		}
	}
	finalKey, lastFreeze := "", -1
	for _, k := range keys {
		base := path.Base(k)
		if freeze, ok := manifest.FinalVerifyFreeze(base); ok {
			if freeze > lastFreeze {
				finalKey, lastFreeze = k, freeze
			}
			continue
		}
		if strings.HasPrefix(base, "verify-") && strings.HasSuffix(base, ".json") && path.Dir(k)+"/" == manifest.ShardDir(ms.Root(), shardID) {
			var rec manifest.VerifyRecord
			if err := ms.ReadJSON(ctx, k, &rec); err != nil {
				return nil, err
			}
			add(base, rec.Problems)
		}
	}
	if finalKey != "" {
		var rec manifest.FinalVerifyRecord
		if err := ms.ReadJSON(ctx, finalKey, &rec); err != nil {
			return nil, err
		}
		add(path.Base(finalKey), rec.Problems)
	}
	return out, nil
}
