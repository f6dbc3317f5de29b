package ocistore

import (
	"cmp"
	"context"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/ocimove/ocimove/internal/store"
)

// The bucket settings that pre-flight and cancel read, through the
// store's own client: the same configuration provider, whatever the auth
// method, and the same retry policy.
var (
	_ store.UploadLister        = (*Store)(nil)
	_ store.ReplicationReporter = (*Store)(nil)
	_ store.RetentionReporter   = (*Store)(nil)
)

// collect returns the items of every page of a listing (op, of key):
// list asks for one page, with the request's retry policy.
func collect[T any](s *Store, op, key string, list func(md common.RequestMetadata, page *string) ([]T, *string, error)) ([]T, error) {
	var out []T
	var page *string
	for {
		items, next, err := list(s.requestMetadata(op, key), page)
		if err != nil {
			return nil, s.mapError(op, key, err)
		}
		out = append(out, items...)
		if next == nil || *next == "" {
			return out, nil
		}
		page = next
	}
}

// ReplicationRegions implements store.ReplicationReporter.
func (s *Store) ReplicationRegions(ctx context.Context) ([]string, error) {
	policies, err := collect(s, "list-replication-policies", "", func(md common.RequestMetadata, page *string) ([]objectstorage.ReplicationPolicySummary, *string, error) {
		resp, err := s.client.ListReplicationPolicies(ctx, objectstorage.ListReplicationPoliciesRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, Page: page, RequestMetadata: md})
		return resp.Items, resp.OpcNextPage, err
	})
	var regions []string
	for _, p := range policies {
		if p.DestinationRegionName != nil {
			regions = append(regions, *p.DestinationRegionName)
		}
	}
	return regions, err
}

// RetentionRules implements store.RetentionReporter: the names of the
// rules with a duration (those that block deletes).
func (s *Store) RetentionRules(ctx context.Context) ([]string, error) {
	rules, err := collect(s, "list-retention-rules", "", func(md common.RequestMetadata, page *string) ([]objectstorage.RetentionRuleSummary, *string, error) {
		resp, err := s.client.ListRetentionRules(ctx, objectstorage.ListRetentionRulesRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, Page: page, RequestMetadata: md})
		return resp.Items, resp.OpcNextPage, err
	})
	var names []string
	for _, r := range rules {
		if r.Duration != nil {
			names = append(names, cmp.Or(deref(r.DisplayName), "(unnamed)"))
		}
	}
	return names, err
}

// ListUploads implements store.UploadLister.
func (s *Store) ListUploads(ctx context.Context, prefix string) ([]store.Upload, error) {
	uploads, err := collect(s, "list-uploads", prefix, func(md common.RequestMetadata, page *string) ([]objectstorage.MultipartUpload, *string, error) {
		resp, err := s.client.ListMultipartUploads(ctx, objectstorage.ListMultipartUploadsRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, Page: page, RequestMetadata: md})
		return resp.Items, resp.OpcNextPage, err
	})
	var out []store.Upload
	for _, u := range uploads {
		if u.Object != nil && u.UploadId != nil && strings.HasPrefix(*u.Object, prefix) {
			out = append(out, store.Upload{Key: *u.Object, UploadID: *u.UploadId})
		}
	}
	return out, err
}
