package s3store

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ocimove/ocimove/internal/store"
)

// maxEmptyPages bounds the empty pages List follows before it gives up.
const maxEmptyPages = 100

// List implements store.Store with ListObjectsV2 and StartAfter. A page
// the service returns empty but truncated is followed by its continuation
// token, so a page List returns is never empty and truncated.
func (s *Store) List(ctx context.Context, opts store.ListOptions) (store.ListPage, error) {
	// URL encoding lets keys with characters XML 1.0 cannot carry (such
	// as U+0001) list intact.
	in := &s3.ListObjectsV2Input{Bucket: aws.String(s.cfg.Bucket), EncodingType: types.EncodingTypeUrl}
	if opts.Prefix != "" {
		in.Prefix = aws.String(opts.Prefix)
	}
	if opts.StartAfter != "" {
		in.StartAfter = aws.String(opts.StartAfter)
	}
	if opts.Limit > 0 {
		in.MaxKeys = aws.Int32(int32(min(opts.Limit, 1000)))
	}
	var out *s3.ListObjectsV2Output
	for empty := 0; ; empty++ {
		var err error
		if out, err = s.client.ListObjectsV2(ctx, in, s.call("list", opts.Prefix)); err != nil {
			return store.ListPage{}, s.mapErr("list", opts.Prefix, err)
		}
		if len(out.Contents) > 0 || !aws.ToBool(out.IsTruncated) {
			break
		}
		if aws.ToString(out.NextContinuationToken) == "" || empty >= maxEmptyPages {
			return store.ListPage{}, &store.Error{Store: s.String(), Op: "list", Key: opts.Prefix, Class: store.Retryable,
				Err: fmt.Errorf("the service returned %d empty pages that say more follow", empty+1)}
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	var err error
	page := store.ListPage{Truncated: aws.ToBool(out.IsTruncated)}
	encoded := out.EncodingType == types.EncodingTypeUrl
	for _, o := range out.Contents {
		key := aws.ToString(o.Key)
		if encoded {
			if key, err = url.QueryUnescape(key); err != nil {
				return store.ListPage{}, &store.Error{Store: s.String(), Op: "list", Key: opts.Prefix, Class: store.Permanent,
					Err: fmt.Errorf("the endpoint sent a key that is not URL-encoded although it says it is: %w", err)}
			}
		}
		page.Objects = append(page.Objects, store.ObjectInfo{
			Key:          key,
			Size:         aws.ToInt64(o.Size),
			ETag:         unquote(aws.ToString(o.ETag)),
			LastModified: aws.ToTime(o.LastModified),
			StorageClass: string(o.StorageClass),
		})
	}
	return page, nil
}

// Head implements store.Store; checksum mode is enabled so that
// full-object x-amz-checksum-* values are returned.
func (s *Store) Head(ctx context.Context, key string) (store.ObjectInfo, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	}, s.call("head", key))
	if err != nil {
		return store.ObjectInfo{}, s.mapErr("head", key, err)
	}
	info := store.ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         unquote(aws.ToString(out.ETag)),
		LastModified: aws.ToTime(out.LastModified),
		StorageClass: storageClass(string(out.StorageClass)),
		VersionID:    aws.ToString(out.VersionId),
		Metadata: store.Metadata{
			ContentType: aws.ToString(out.ContentType), ContentEncoding: aws.ToString(out.ContentEncoding),
			ContentLanguage: aws.ToString(out.ContentLanguage), ContentDisposition: aws.ToString(out.ContentDisposition),
			CacheControl: aws.ToString(out.CacheControl), User: lowerKeys(out.Metadata),
		},
	}
	info.ContentMD5 = etagMD5(info.ETag, out.ServerSideEncryption)
	info.Checksums = checksums(out.ChecksumType, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256)
	return info, nil
}

// Get implements store.Store: ranged, pinned by IfMatch and/or VersionID.
func (s *Store) Get(ctx context.Context, key string, opts store.GetOptions) (io.ReadCloser, store.ObjectInfo, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)}
	if opts.Range != nil {
		if opts.Range.Offset < 0 {
			return nil, store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "get", Key: key, Class: store.Permanent,
				Err: fmt.Errorf("negative range offset %d", opts.Range.Offset)}
		}
		if opts.Range.Length == 0 {
			return io.NopCloser(strings.NewReader("")), store.ObjectInfo{Key: key}, nil
		}
		in.Range = aws.String(opts.Range.Header())
	} else {
		in.ChecksumMode = types.ChecksumModeEnabled
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(`"` + unquote(opts.IfMatch) + `"`)
	}
	if opts.VersionID != "" {
		in.VersionId = aws.String(opts.VersionID)
	}
	out, err := s.client.GetObject(ctx, in, s.call("get", key))
	if err != nil {
		return nil, store.ObjectInfo{}, s.mapErr("get", key, err)
	}
	info := store.ObjectInfo{
		Key:          key,
		Size:         aws.ToInt64(out.ContentLength),
		ETag:         unquote(aws.ToString(out.ETag)),
		LastModified: aws.ToTime(out.LastModified),
		StorageClass: storageClass(string(out.StorageClass)),
		VersionID:    aws.ToString(out.VersionId),
		Metadata: store.Metadata{
			ContentType: aws.ToString(out.ContentType), ContentEncoding: aws.ToString(out.ContentEncoding),
			ContentLanguage: aws.ToString(out.ContentLanguage), ContentDisposition: aws.ToString(out.ContentDisposition),
			CacheControl: aws.ToString(out.CacheControl), User: lowerKeys(out.Metadata),
		},
	}
	if cr := aws.ToString(out.ContentRange); cr != "" {
		if total, ok := store.ContentRangeTotal(cr); ok {
			info.Size = total
		}
	} else {
		info.Checksums = checksums(out.ChecksumType, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256)
	}
	info.ContentMD5 = etagMD5(info.ETag, out.ServerSideEncryption)
	return &bodyReader{rc: out.Body, s: s, key: key}, info, nil
}

// bodyReader maps read errors (a connection dropped mid-body, a response
// checksum mismatch) to *store.Error.
type bodyReader struct {
	rc  io.ReadCloser
	s   *Store
	key string
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		e := &store.Error{Store: b.s.String(), Op: "get", Key: b.key, Class: store.Retryable, Err: store.RedactURLs(err)}
		if strings.Contains(err.Error(), "checksum did not match") {
			e.Err = fmt.Errorf("%w: %w", store.ErrChecksumMismatch, err)
		}
		return n, e
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.rc.Close() }

// Put implements store.Store with PutObject.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, opts store.PutOptions) (store.ObjectInfo, error) {
	in := &s3.PutObjectInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), Body: body, ContentLength: aws.Int64(size),
	}
	if len(opts.ContentMD5) > 0 {
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(opts.ContentMD5))
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(`"` + unquote(opts.IfMatch) + `"`)
	}
	m := opts.Metadata
	in.ContentType, in.ContentEncoding = optional(m.ContentType), optional(m.ContentEncoding)
	in.ContentLanguage, in.ContentDisposition, in.CacheControl = optional(m.ContentLanguage), optional(m.ContentDisposition), optional(m.CacheControl)
	in.Metadata = m.User
	in.StorageClass = types.StorageClass(opts.StorageTier)
	out, err := s.client.PutObject(ctx, in, s.call("put", key))
	if err != nil {
		return store.ObjectInfo{}, s.mapErr("put", key, err)
	}
	info := store.ObjectInfo{
		Key: key, Size: size, ETag: unquote(aws.ToString(out.ETag)), LastModified: time.Now().UTC(),
		VersionID: aws.ToString(out.VersionId), StorageClass: storageClass(opts.StorageTier), Metadata: m,
	}
	info.ContentMD5 = etagMD5(info.ETag, out.ServerSideEncryption)
	info.Checksums = checksums(out.ChecksumType, out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME, out.ChecksumSHA1, out.ChecksumSHA256)
	return info, nil
}

// Delete implements store.Store. A missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key)}, s.call("delete", key))
	if err != nil {
		if e := s.mapErr("delete", key, err); !isNotFound(e) {
			return e
		}
	}
	return nil
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return aws.String(v)
}

func storageClass(c string) string {
	if c == "" {
		return "STANDARD"
	}
	return c
}

func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// etagMD5 returns the MD5 an S3 ETag stands for: only a 32-hex-digit ETag
// (single part, no "-N") of an object not encrypted with KMS.
func etagMD5(etag string, sse types.ServerSideEncryption) []byte {
	if sse == types.ServerSideEncryptionAwsKms || sse == types.ServerSideEncryptionAwsKmsDsse || len(etag) != 32 {
		return nil
	}
	b, err := hex.DecodeString(etag)
	if err != nil {
		return nil
	}
	return b
}

// checksums returns the checksums of a response: of the content when the
// type is FULL_OBJECT (or absent, and the value has no "-N" suffix), and
// composite ones ("value-N", type COMPOSITE) with their part count.
func checksums(t types.ChecksumType, crc32, crc32c, crc64, sha1, sha256 *string) []store.Checksum {
	var out []store.Checksum
	for _, c := range []struct {
		alg string
		v   *string
	}{{"CRC32", crc32}, {"CRC32C", crc32c}, {"CRC64NVME", crc64}, {"SHA1", sha1}, {"SHA256", sha256}} {
		v := aws.ToString(c.v)
		if v == "" {
			continue
		}
		value, count, suffixed := strings.Cut(v, "-")
		switch {
		case suffixed || t == types.ChecksumTypeComposite:
			n, err := strconv.Atoi(count)
			if err != nil || n < 1 {
				continue // a composite checksum without its part count checks nothing
			}
			out = append(out, store.Checksum{Algorithm: c.alg, Value: value, Parts: n})
		case t == "" || t == types.ChecksumTypeFullObject:
			out = append(out, store.Checksum{Algorithm: c.alg, Value: v})
		}
	}
	return out
}
