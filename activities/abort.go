package activities

import (
	"context"
	"fmt"

	"github.com/ocimove/ocimove/internal/store"
)

// AbortUploads aborts the open multipart uploads under the shard prefix
// at the destination (cancel). It needs a destination that can list its
// uploads (store.UploadLister, which the OCI store is whatever its auth
// method); without it it aborts nothing and reports Supported=false, and
// a lifecycle rule on the bucket must clean up instead.
func (a *Activities) AbortUploads(ctx context.Context, in ShardRef) (AbortUploadsResult, error) {
	s, err := a.session(ctx, in)
	if err != nil {
		return AbortUploadsResult{}, err
	}
	ul, ok := s.stores.Destination.(store.UploadLister)
	if !ok {
		logger(ctx).Warn("cannot list open uploads at the destination; none aborted", "shard", in.ShardID, "store", s.stores.Destination.String())
		return AbortUploadsResult{}, nil
	}
	ups, err := ul.ListUploads(ctx, in.Prefix)
	if err != nil {
		return AbortUploadsResult{}, activityError(err)
	}
	res := AbortUploadsResult{Supported: true}
	for _, u := range ups {
		if err := s.stores.Destination.AbortMultipart(ctx, u.Key, u.UploadID); err != nil {
			return res, activityError(fmt.Errorf("abort upload %s of %q: %w", u.UploadID, u.Key, err))
		}
		res.Aborted++
	}
	return res, nil
}
