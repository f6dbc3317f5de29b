package ocistore

import (
	"context"
	"strings"

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

// ReplicationRegions implements store.ReplicationReporter.
func (s *Store) ReplicationRegions(ctx context.Context) ([]string, error) {
	const op = "list-replication-policies"
	var out []string
	req := objectstorage.ListReplicationPoliciesRequest{NamespaceName: &s.namespace, BucketName: &s.bucket}
	for {
		req.RequestMetadata = s.requestMetadata(op, "")
		resp, err := s.client.ListReplicationPolicies(ctx, req)
		if err != nil {
			return nil, s.mapError(op, "", err)
		}
		for _, p := range resp.Items {
			if p.DestinationRegionName != nil {
				out = append(out, *p.DestinationRegionName)
			}
		}
		if resp.OpcNextPage == nil || *resp.OpcNextPage == "" {
			return out, nil
		}
		req.Page = resp.OpcNextPage
	}
}

// RetentionRules implements store.RetentionReporter.
func (s *Store) RetentionRules(ctx context.Context) ([]string, error) {
	const op = "list-retention-rules"
	var out []string
	req := objectstorage.ListRetentionRulesRequest{NamespaceName: &s.namespace, BucketName: &s.bucket}
	for {
		req.RequestMetadata = s.requestMetadata(op, "")
		resp, err := s.client.ListRetentionRules(ctx, req)
		if err != nil {
			return nil, s.mapError(op, "", err)
		}
		for _, r := range resp.Items {
			name := "(unnamed)"
			if r.DisplayName != nil {
				name = *r.DisplayName
			}
			if r.Duration != nil {
				out = append(out, name)
			}
		}
		if resp.OpcNextPage == nil || *resp.OpcNextPage == "" {
			return out, nil
		}
		req.Page = resp.OpcNextPage
	}
}

// ListUploads implements store.UploadLister.
func (s *Store) ListUploads(ctx context.Context, prefix string) ([]store.Upload, error) {
	const op = "list-uploads"
	var out []store.Upload
	req := objectstorage.ListMultipartUploadsRequest{NamespaceName: &s.namespace, BucketName: &s.bucket}
	for {
		req.RequestMetadata = s.requestMetadata(op, prefix)
		resp, err := s.client.ListMultipartUploads(ctx, req)
		if err != nil {
			return nil, s.mapError(op, prefix, err)
		}
		for _, u := range resp.Items {
			if u.Object != nil && u.UploadId != nil && strings.HasPrefix(*u.Object, prefix) {
				out = append(out, store.Upload{Key: *u.Object, UploadID: *u.UploadId})
			}
		}
		if resp.OpcNextPage == nil || *resp.OpcNextPage == "" {
			return out, nil
		}
		req.Page = resp.OpcNextPage
	}
}
