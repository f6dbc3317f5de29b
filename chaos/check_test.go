//go:build chaos

package chaos_test

// The independent check: written apart from the engine, with the SDKs'
// own clients (no internal/store), and its own SQL on the shard map.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
)

// sides are the two buckets of one scenario, through the SDKs.
type sides struct {
	s3     *s3.Client
	src    string
	oci    objectstorage.ObjectStorageClient
	dst    string
	prefix string // every shard's objects are under it
}

func newSides(c *cluster, n int) (*sides, error) {
	s3c := s3.New(s3.Options{Region: s3Region, BaseEndpoint: aws.String(c.s3URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s3AccessKey, s3SecretKey, "")})
	prov, err := common.ConfigurationProviderFromFileWithProfile(c.ociCreds, "DEFAULT", "")
	if err != nil {
		return nil, fmt.Errorf("OCI config %s: %w", c.ociCreds, err)
	}
	oc, err := objectstorage.NewObjectStorageClientWithConfigurationProvider(prov)
	if err != nil {
		return nil, fmt.Errorf("OCI client: %w", err)
	}
	oc.SetRegion(ociRegion)
	oc.Host = c.ociURL
	return &sides{s3: s3c, src: srcBucket(n), oci: oc, dst: dstBucket(n), prefix: "users/"}, nil
}

// object is one listed object: its size and, once hashed, its SHA-256.
type object struct {
	Size int64
	Sum  string
}

// listSource lists every source object under the prefix.
func (s *sides) listSource(ctx context.Context) (map[string]object, error) {
	out := map[string]object{}
	p := s3.NewListObjectsV2Paginator(s.s3, &s3.ListObjectsV2Input{Bucket: aws.String(s.src), Prefix: aws.String(s.prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s: %w", s.src, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = object{Size: aws.ToInt64(o.Size)}
		}
	}
	return out, nil
}

// listDest lists every destination object under the prefix.
func (s *sides) listDest(ctx context.Context) (map[string]object, error) {
	out := map[string]object{}
	var start *string
	for {
		res, err := s.oci.ListObjects(ctx, objectstorage.ListObjectsRequest{NamespaceName: common.String(ociNS), BucketName: common.String(s.dst),
			Prefix: common.String(s.prefix), Start: start, Fields: common.String("name,size"), Limit: common.Int(1000)})
		if err != nil {
			return nil, fmt.Errorf("list oci://%s: %w", s.dst, err)
		}
		for _, o := range res.Objects {
			out[*o.Name] = object{Size: derefInt64(o.Size)}
		}
		if res.NextStartWith == nil || *res.NextStartWith == "" {
			return out, nil
		}
		start = res.NextStartWith
	}
}

// destBytes is the size of everything stored in the destination bucket
// (objects, manifests, records).
func (s *sides) destBytes(ctx context.Context) (int64, error) {
	saved := s.prefix
	s.prefix = ""
	defer func() { s.prefix = saved }()
	all, err := s.listDest(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, o := range all {
		n += o.Size
	}
	return n, nil
}

func (s *sides) hashSource(ctx context.Context, key string) (string, int64, error) {
	res, err := s.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.src), Key: aws.String(key)})
	if err != nil {
		return "", 0, fmt.Errorf("get s3://%s/%s: %w", s.src, key, err)
	}
	defer res.Body.Close()
	return hashBody(res.Body)
}

func (s *sides) hashDest(ctx context.Context, key string) (string, int64, error) {
	res, err := s.oci.GetObject(ctx, objectstorage.GetObjectRequest{NamespaceName: common.String(ociNS), BucketName: common.String(s.dst), ObjectName: common.String(key)})
	if err != nil {
		return "", 0, fmt.Errorf("get oci://%s/%s: %w", s.dst, key, err)
	}
	defer res.Content.Close()
	return hashBody(res.Content)
}

func hashBody(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// report is the outcome of one comparison of the two sides.
type report struct {
	Checked    int      // source objects hashed on both sides
	Missing    []string // at the source, not at the destination
	Extra      []string // at the destination, not at the source
	Mismatched []string // SHA-256 or size differ
}

func (r report) ok() bool { return len(r.Missing)+len(r.Extra)+len(r.Mismatched) == 0 }

func (r report) String() string {
	return fmt.Sprintf("%d objects checked; %d missing %v; %d extra %v; %d mismatched %v",
		r.Checked, len(r.Missing), head(r.Missing), len(r.Extra), head(r.Extra), len(r.Mismatched), head(r.Mismatched))
}

func head(keys []string) []string {
	sort.Strings(keys)
	return keys[:min(len(keys), 5)]
}

// compare lists both sides under the prefixes (all when none) and hashes
// every source object and its destination copy.
func (s *sides) compare(ctx context.Context, only func(key string) bool) (report, error) {
	var r report
	src, err := s.listSource(ctx)
	if err != nil {
		return r, err
	}
	dst, err := s.listDest(ctx)
	if err != nil {
		return r, err
	}
	var keys []string
	for k := range src {
		if only != nil && !only(k) {
			continue
		}
		if _, ok := dst[k]; !ok {
			r.Missing = append(r.Missing, k)
			continue
		}
		keys = append(keys, k)
	}
	for k := range dst {
		if only != nil && !only(k) {
			continue
		}
		if _, ok := src[k]; !ok {
			r.Extra = append(r.Extra, k)
		}
	}
	var mu sync.Mutex
	var firstErr error
	work := make(chan string)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range work {
				a, an, err1 := s.hashSource(ctx, k)
				b, bn, err2 := s.hashDest(ctx, k)
				mu.Lock()
				switch {
				case err1 != nil || err2 != nil:
					if firstErr == nil {
						firstErr = fmt.Errorf("hash %s: %v / %v", k, err1, err2)
					}
				case a != b || an != bn:
					r.Mismatched = append(r.Mismatched, k)
				}
				r.Checked++
				mu.Unlock()
			}
		}()
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	return r, firstErr
}

// routes reads the shard map table with its own SQL: shard → state.
func routes(ctx context.Context, dsn, table string) (map[string]string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT shard, state FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", table, err)
	}
	out := map[string]string{}
	for rows.Next() {
		var shard, state string
		if err := rows.Scan(&shard, &state); err != nil {
			return nil, err
		}
		out[shard] = state
	}
	return out, rows.Err()
}

func derefInt64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// under returns a filter for keys under any of prefixes.
func under(prefixes ...string) func(string) bool {
	return func(k string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
}

// readCloser wraps data as a request body.
func readCloser(data []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(data)) }

func deleteInput(bucket, key string) *s3.DeleteObjectInput {
	return &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
}
