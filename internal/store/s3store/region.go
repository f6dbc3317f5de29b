package s3store

import (
	"context"
	"net/url"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// awsHost matches the region in S3 host names: s3.REGION.amazonaws.com,
// s3-REGION.amazonaws.com, BUCKET.s3.REGION.amazonaws.com and the dualstack
// and FIPS forms.
var awsHost = regexp.MustCompile(`(?:^|\.)s3(?:-fips)?(?:\.dualstack)?[.-]([a-z]{2}(?:-[a-z]+)+-[0-9]+)\.amazonaws\.com(?:\.cn)?$`)

// Region implements store.Regioner: the region of the endpoint actually
// used, derived once and cached. In order: HeadBucket's
// x-amz-bucket-region, the region in an s3.REGION.amazonaws.com endpoint
// host, else the configured region.
func (s *Store) Region() string {
	s.regionOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		s.region = s.deriveRegion(ctx)
	})
	return s.region
}

// Check sends HeadBucket: it proves the bucket exists and the credentials
// work, and it caches the bucket's region.
func (s *Store) Check(ctx context.Context) error {
	_, err := s.headBucket(ctx)
	return err
}

func (s *Store) headBucket(ctx context.Context) (string, error) {
	out, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.cfg.Bucket)}, s.call("head-bucket", ""))
	if err != nil {
		return "", s.mapErr("head-bucket", "", err)
	}
	return aws.ToString(out.BucketRegion), nil
}

func (s *Store) deriveRegion(ctx context.Context) string {
	if r, err := s.headBucket(ctx); err == nil && r != "" {
		return r
	}
	if r := regionFromEndpoint(s.cfg.Endpoint); r != "" {
		return r
	}
	return s.cfg.Region
}

// regionFromEndpoint returns the region named by an AWS S3 endpoint URL, or
// "" for any other endpoint.
func regionFromEndpoint(endpoint string) string {
	if endpoint == "" {
		return ""
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	if m := awsHost.FindStringSubmatch(u.Hostname()); m != nil {
		return m[1]
	}
	return ""
}
