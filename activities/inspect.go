package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/ocimove/ocimove/internal/store/ocistore"
)

// Inspector reads the bucket settings that pre-flight and cancel need and
// that store.Store does not expose.
type Inspector interface {
	// ReplicationRegions returns the regions the bucket replicates to.
	ReplicationRegions(ctx context.Context) ([]string, error)
	// RetentionRules names the bucket's retention rules with a duration
	// (rules that block deletes).
	RetentionRules(ctx context.Context) ([]string, error)
	// ListUploads returns the open multipart uploads under prefix.
	ListUploads(ctx context.Context, prefix string) ([]Upload, error)
}

// Upload is an open multipart upload.
type Upload struct {
	Key      string `json:"key"`
	UploadID string `json:"uploadId"`
}

// OCIInspector is the Inspector of an OCI bucket, through the OCI SDK's
// objectstorage client configured as the store is.
type OCIInspector struct {
	client    objectstorage.ObjectStorageClient
	namespace string
	bucket    string
}

// NewOCIInspector opens an inspector for the bucket of cfg in namespace
// (config-file auth, as the local endpoint and most workers use; other
// auth methods are not inspected).
func NewOCIInspector(cfg ocistore.Config, namespace string) (*OCIInspector, error) {
	if cfg.Auth != "" && cfg.Auth != ocistore.AuthConfigFile {
		return nil, nil //nolint:nilnil // no inspector: checks are reported as skipped
	}
	path := cfg.ConfigFile
	if path == "" {
		path = ocistore.DefaultConfigFile
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		home, _ := os.UserHomeDir()
		path = filepath.Join(home, rest)
	}
	profile := cfg.Profile
	if profile == "" {
		profile = ocistore.DefaultProfile
	}
	pass := ""
	if cfg.PassphraseEnv != "" {
		pass = os.Getenv(cfg.PassphraseEnv)
	}
	var prov common.ConfigurationProvider
	prov, err := common.ConfigurationProviderFromFileWithProfile(path, profile, pass)
	if err != nil {
		return nil, fmt.Errorf("inspector: OCI config %s [%s]: %w", path, profile, err)
	}
	if _, rerr := prov.Region(); rerr != nil && cfg.Region != "" {
		prov = fixedRegion{prov, cfg.Region}
	}
	client, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(prov)
	if err != nil {
		return nil, fmt.Errorf("inspector: %w", err)
	}
	if cfg.Region != "" {
		client.SetRegion(cfg.Region)
	}
	if cfg.Endpoint != "" {
		client.Host = strings.TrimRight(cfg.Endpoint, "/")
	}
	return &OCIInspector{client: client, namespace: namespace, bucket: cfg.Bucket}, nil
}

type fixedRegion struct {
	common.ConfigurationProvider
	region string
}

func (f fixedRegion) Region() (string, error) { return f.region, nil }

// ReplicationRegions implements Inspector.
func (o *OCIInspector) ReplicationRegions(ctx context.Context) ([]string, error) {
	var out []string
	req := objectstorage.ListReplicationPoliciesRequest{NamespaceName: &o.namespace, BucketName: &o.bucket}
	for {
		resp, err := o.client.ListReplicationPolicies(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list replication policies of %s: %w", o.bucket, err)
		}
		for _, p := range resp.Items {
			if p.DestinationRegionName != nil {
				out = append(out, *p.DestinationRegionName)
			}
		}
		if resp.OpcNextPage == nil {
			return out, nil
		}
		req.Page = resp.OpcNextPage
	}
}

// RetentionRules implements Inspector.
func (o *OCIInspector) RetentionRules(ctx context.Context) ([]string, error) {
	var out []string
	req := objectstorage.ListRetentionRulesRequest{NamespaceName: &o.namespace, BucketName: &o.bucket}
	for {
		resp, err := o.client.ListRetentionRules(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list retention rules of %s: %w", o.bucket, err)
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
		if resp.OpcNextPage == nil {
			return out, nil
		}
		req.Page = resp.OpcNextPage
	}
}

// ListUploads implements Inspector.
func (o *OCIInspector) ListUploads(ctx context.Context, prefix string) ([]Upload, error) {
	var out []Upload
	req := objectstorage.ListMultipartUploadsRequest{NamespaceName: &o.namespace, BucketName: &o.bucket}
	for {
		resp, err := o.client.ListMultipartUploads(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("list multipart uploads of %s: %w", o.bucket, err)
		}
		for _, u := range resp.Items {
			if u.Object != nil && u.UploadId != nil && strings.HasPrefix(*u.Object, prefix) {
				out = append(out, Upload{Key: *u.Object, UploadID: *u.UploadId})
			}
		}
		if resp.OpcNextPage == nil {
			return out, nil
		}
		req.Page = resp.OpcNextPage
	}
}
