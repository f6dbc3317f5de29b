package s3store

import (
	"context"
	"fmt"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ocimove/ocimove/internal/store"
)

var (
	_ store.VersionPurger = (*Store)(nil)
	_ store.ObjectLocker  = (*Store)(nil)
)

// PurgeVersions implements store.VersionPurger: every version and delete
// marker under prefix, a listing page at a time. Each page lists what is
// left, from the start of the prefix: what went before is deleted. Keys
// are listed URL-encoded, so that keys XML cannot carry list too.
func (s *Store) PurgeVersions(ctx context.Context, prefix string, record func([]store.Version) error) error {
	v, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(s.cfg.Bucket)}, s.call("get-versioning", ""))
	if err != nil {
		return fmt.Errorf("get versioning of %s: %w", s, s.mapErr("get-versioning", "", err))
	}
	if v.Status == "" { // Enabled or Suspended: versions may exist
		return fmt.Errorf("%s: %w", s, store.ErrUnversioned)
	}
	for empty := 0; ; {
		out, err := s.client.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(s.cfg.Bucket), Prefix: aws.String(prefix),
			EncodingType: types.EncodingTypeUrl}, s.call("list-versions", prefix))
		if err != nil {
			return fmt.Errorf("list versions of %s under %s: %w", s, prefix, s.mapErr("list-versions", prefix, err))
		}
		page, err := s.versionPage(out)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			if !aws.ToBool(out.IsTruncated) {
				return nil
			}
			if empty++; empty >= store.MaxEmptyPages { // an empty page with more to come, again and again
				return fmt.Errorf("%w: %s, versions under %q", store.ErrListingStalled, s, prefix)
			}
			continue
		}
		empty = 0
		for i, d := range page {
			_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(d.Key),
				VersionId: aws.String(d.VersionID)}, s.call("delete-version", d.Key))
			if err != nil {
				if i > 0 {
					_ = record(page[:i]) // what went is on record before failing
				}
				return fmt.Errorf("delete %q version %s: %w", d.Key, d.VersionID, s.mapErr("delete-version", d.Key, err))
			}
		}
		if err := record(page); err != nil {
			return err
		}
	}
}

// versionPage returns the versions and delete markers of one listing
// page, their keys decoded.
func (s *Store) versionPage(out *s3.ListObjectVersionsOutput) ([]store.Version, error) {
	key := func(k *string) (string, error) {
		if out.EncodingType != types.EncodingTypeUrl {
			return aws.ToString(k), nil
		}
		d, err := url.QueryUnescape(aws.ToString(k))
		if err != nil {
			return "", fmt.Errorf("list versions of %s: key %q is not URL-encoded: %w", s, aws.ToString(k), err)
		}
		return d, nil
	}
	var page []store.Version
	for _, v := range out.Versions {
		k, err := key(v.Key)
		if err != nil {
			return nil, err
		}
		page = append(page, store.Version{Key: k, VersionID: aws.ToString(v.VersionId)})
	}
	for _, m := range out.DeleteMarkers {
		k, err := key(m.Key)
		if err != nil {
			return nil, err
		}
		page = append(page, store.Version{Key: k, VersionID: aws.ToString(m.VersionId), DeleteMarker: true})
	}
	return page, nil
}

// ObjectLockEnabled implements store.ObjectLocker. A bucket without a lock
// configuration (or an endpoint that does not implement the call) answers
// with an error, which callers read as "not locked".
func (s *Store) ObjectLockEnabled(ctx context.Context) (bool, error) {
	out, err := s.client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(s.cfg.Bucket)},
		s.call("get-object-lock", ""))
	if err != nil {
		return false, s.mapErr("get-object-lock", "", err)
	}
	return out.ObjectLockConfiguration != nil && out.ObjectLockConfiguration.ObjectLockEnabled == types.ObjectLockEnabledEnabled, nil
}
