package activities

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ocimove/ocimove/internal/engine"
	"github.com/ocimove/ocimove/internal/manifest"
	"github.com/ocimove/ocimove/internal/store"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// Purge deletes every object of the shard prefix from the primary and
// from each source copy, only if the plan enables purge and only after a
// full re-verification of every manifest entry at the destination passes.
// In versioned S3 buckets every version and delete marker goes. What was
// deleted is recorded in purge.json.
func (a *Activities) Purge(ctx context.Context, in ShardRef) (PurgeResult, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return PurgeResult{}, err
	}
	if !s.plan.Purge.Enabled {
		return PurgeResult{}, nonRetryable(ErrTypeInput, fmt.Errorf("purge of shard %s refused: the plan does not enable purge", in.ShardID))
	}
	if err := s.checkWrite(); err != nil {
		return PurgeResult{}, err
	}
	merged, err := s.man.Merge(ctx, in.ShardID)
	if err != nil {
		return PurgeResult{}, activityError(err)
	}
	var recs []engine.Result
	for _, e := range merged.Sorted() {
		if e.Present() {
			recs = append(recs, e.Result)
		}
	}
	for _, c := range a.eng.VerifyBatch(ctx, s.stores.Destination, recs, engine.Full) {
		if !c.OK {
			if c.Class == store.Retryable {
				return PurgeResult{}, fmt.Errorf("purge: re-verify %q: %s", c.Key, c.Problem)
			}
			return PurgeResult{}, nonRetryable(ErrTypeInput, fmt.Errorf("purge of shard %s refused: %q fails the full re-verification: %s", in.ShardID, c.Key, c.Problem))
		}
	}
	rec := PurgeRecord{MigrationID: s.plan.ID, ShardID: in.ShardID, Prefix: in.Prefix}
	copies := append([]NamedStore{{Name: "primary", Store: s.stores.Source}}, s.stores.Copies...)
	var res PurgeResult
	for _, c := range copies {
		pc := PurgedCopy{Name: c.Name, Store: c.Store.String()}
		deleted, err := purgeStore(ctx, c.Store, in.Prefix)
		pc.Deleted = deleted
		res.Deleted += int64(len(deleted))
		rec.Copies = append(rec.Copies, pc)
		if err != nil {
			// Record what went before failing: the retry deletes the rest.
			_ = s.man.WriteJSON(ctx, manifest.RecordKey(s.man.Root(), in.ShardID, "purge-partial.json"), rec)
			return PurgeResult{}, activityError(fmt.Errorf("purge %s: %w", c.Name, err))
		}
		if activityCtx(ctx) {
			heartbeat(ctx, c.Name)
		}
	}
	res.RecordKey = manifest.RecordKey(s.man.Root(), in.ShardID, manifest.PurgeName)
	if err := s.man.WriteJSON(ctx, res.RecordKey, rec); err != nil {
		return PurgeResult{}, activityError(err)
	}
	logger(ctx).Info("purged", "shard", in.ShardID, "deleted", res.Deleted)
	return res, nil
}

// purgeStore deletes everything under prefix: all versions and delete
// markers of a versioned S3 bucket, else every listed object.
func purgeStore(ctx context.Context, st store.Store, prefix string) ([]DeletedObject, error) {
	if s3s, ok := st.(*s3store.Store); ok {
		if versioned, err := isVersioned(ctx, s3s); err != nil {
			return nil, err
		} else if versioned {
			return purgeVersions(ctx, s3s, prefix)
		}
	}
	var keys []string
	if err := store.Walk(ctx, st, prefix, func(o store.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		return nil, err
	}
	var out []DeletedObject
	for _, k := range keys {
		if err := st.Delete(ctx, k); err != nil {
			return out, err
		}
		out = append(out, DeletedObject{Key: k})
	}
	return out, nil
}

func isVersioned(ctx context.Context, s *s3store.Store) (bool, error) {
	out, err := s.Client().GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: ptr(s.Bucket())})
	if err != nil {
		return false, fmt.Errorf("get versioning of %s: %w", s, err)
	}
	return out.Status != "", nil // Enabled or Suspended: versions may exist
}

func purgeVersions(ctx context.Context, s *s3store.Store, prefix string) ([]DeletedObject, error) {
	var all []DeletedObject
	in := &s3.ListObjectVersionsInput{Bucket: ptr(s.Bucket()), Prefix: ptr(prefix)}
	for {
		out, err := s.Client().ListObjectVersions(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list versions of %s under %s: %w", s, prefix, err)
		}
		for _, v := range out.Versions {
			all = append(all, DeletedObject{Key: deref(v.Key), VersionID: deref(v.VersionId)})
		}
		for _, m := range out.DeleteMarkers {
			all = append(all, DeletedObject{Key: deref(m.Key), VersionID: deref(m.VersionId), DeleteMarker: true})
		}
		if out.IsTruncated == nil || !*out.IsTruncated {
			break
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	for i, d := range all {
		_, err := s.Client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: ptr(s.Bucket()), Key: ptr(d.Key), VersionId: ptr(d.VersionID)})
		if err != nil {
			return all[:i], fmt.Errorf("delete %q version %s: %w", d.Key, d.VersionID, err)
		}
	}
	return all, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
