package bench

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/ocimove/ocimove/internal/store/ocistore"
	"github.com/ocimove/ocimove/internal/store/s3store"
)

// s3Config is the store configuration of bucket on the local S3 endpoint.
// Request checksums are computed only when required, as for any
// S3-compatible store; Content-MD5 is still sent by the engine.
func s3Config(url, secret, bucket string) s3store.Config {
	return s3store.Config{
		Bucket: bucket, Region: s3Region, Endpoint: url, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s3AccessKey, secret, ""),
	}
}

func openS3(ctx context.Context, url, secret, bucket string) (*s3store.Store, error) {
	return s3store.New(ctx, s3Config(url, secret, bucket))
}

func openOCI(ctx context.Context, url, configFile, profile, bucket string) (*ocistore.Store, error) {
	return ocistore.New(ctx, ocistore.Config{
		Namespace: ociNamespace, Bucket: bucket, Region: ociRegion, Endpoint: url,
		ConfigFile: configFile, Profile: profile,
	})
}
