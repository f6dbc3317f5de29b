package ocistore

import (
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

// pages calls fetch for each page of a listing (op, of key), with the
// request's retry policy and the page to ask for, until it returns no
// next page.
func (s *Store) pages(op, key string, fetch func(md common.RequestMetadata, page *string) (next *string, err error)) error {
	var page *string
	for {
		next, err := fetch(s.requestMetadata(op, key), page)
		if err != nil {
			return s.mapError(op, key, err)
		}
		if next == nil || *next == "" {
			return nil
		}
		page = next
	}
}

// ReplicationRegions implements store.ReplicationReporter.
func (s *Store) ReplicationRegions(ctx context.Context) ([]string, error) {
	var out []string
	err := s.pages("list-replication-policies", "", func(md common.RequestMetadata, page *string) (*string, error) {
		resp, err := s.client.ListReplicationPolicies(ctx, objectstorage.ListReplicationPoliciesRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, Page: page, RequestMetadata: md})
		for _, p := range resp.Items {
			if p.DestinationRegionName != nil {
				out = append(out, *p.DestinationRegionName)
			}
		}
		return resp.OpcNextPage, err
	})
	return out, err
}

// RetentionRules implements store.RetentionReporter.
func (s *Store) RetentionRules(ctx context.Context) ([]string, error) {
	var out []string
	err := s.pages("list-retention-rules", "", func(md common.RequestMetadata, page *string) (*string, error) {
		resp, err := s.client.ListRetentionRules(ctx, objectstorage.ListRetentionRulesRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, Page: page, RequestMetadata: md})
		for _, r := range resp.Items {
			if r.Duration == nil {
				continue
			}
			name := "(unnamed)"
			if r.DisplayName != nil {
				name = *r.DisplayName
			}
			out = append(out, name)
		}
		return resp.OpcNextPage, err
	})
	return out, err
}

// ListUploads implements store.UploadLister.
func (s *Store) ListUploads(ctx context.Context, prefix string) ([]store.Upload, error) {
	var out []store.Upload
	err := s.pages("list-uploads", prefix, func(md common.RequestMetadata, page *string) (*string, error) {
		resp, err := s.client.ListMultipartUploads(ctx, objectstorage.ListMultipartUploadsRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, Page: page, RequestMetadata: md})
		for _, u := range resp.Items {
			if u.Object != nil && u.UploadId != nil && strings.HasPrefix(*u.Object, prefix) {
				out = append(out, store.Upload{Key: *u.Object, UploadID: *u.UploadId})
			}
		}
		return resp.OpcNextPage, err
	})
	return out, err
}
