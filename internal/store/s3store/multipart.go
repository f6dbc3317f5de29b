package s3store

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ocimove/ocimove/internal/store"
)

// MultipartLimits implements store.Multipart with S3's limits.
func (s *Store) MultipartLimits() store.MultipartLimits {
	return store.MultipartLimits{MinPartSize: 5 << 20, MaxPartSize: 5 << 30, MaxParts: 10000}
}

// CreateMultipart implements store.Multipart.
func (s *Store) CreateMultipart(ctx context.Context, key string, opts store.PutOptions) (string, error) {
	m := opts.Metadata
	in := &s3.CreateMultipartUploadInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key),
		ContentType: optional(m.ContentType), ContentEncoding: optional(m.ContentEncoding),
		ContentLanguage: optional(m.ContentLanguage), ContentDisposition: optional(m.ContentDisposition),
		CacheControl: optional(m.CacheControl), Metadata: m.User, StorageClass: types.StorageClass(opts.StorageTier),
	}
	out, err := s.client.CreateMultipartUpload(ctx, in, s.call("create-multipart", key))
	if err != nil {
		return "", s.mapErr("create-multipart", key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// UploadPart implements store.Multipart, sending md5 as Content-MD5.
func (s *Store) UploadPart(ctx context.Context, key, uploadID string, n int, body io.ReadSeeker, size int64, md5sum []byte) (store.Part, error) {
	in := &s3.UploadPartInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		PartNumber: aws.Int32(int32(n)), Body: body, ContentLength: aws.Int64(size),
	}
	if len(md5sum) > 0 {
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(md5sum))
	}
	out, err := s.client.UploadPart(ctx, in, s.call("upload-part", key))
	if err != nil {
		return store.Part{}, s.mapErr("upload-part", key, err)
	}
	return store.Part{Number: n, Size: size, ETag: unquote(aws.ToString(out.ETag)), MD5: md5sum}, nil
}

// ListParts implements store.Multipart, following every page. A part's MD5
// is taken from its ETag (an S3 part ETag is the part's MD5).
func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]store.Part, error) {
	var parts []store.Part
	p := s3.NewListPartsPaginator(s.client, &s3.ListPartsInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx, s.call("list-parts", key))
		if err != nil {
			return nil, s.mapErr("list-parts", key, err)
		}
		for _, pt := range out.Parts {
			etag := unquote(aws.ToString(pt.ETag))
			parts = append(parts, store.Part{
				Number: int(aws.ToInt32(pt.PartNumber)), Size: aws.ToInt64(pt.Size), ETag: etag, MD5: etagMD5(etag, ""),
			})
		}
	}
	slices.SortFunc(parts, func(a, b store.Part) int { return a.Number - b.Number })
	return parts, nil
}

var compositeETag = regexp.MustCompile(`^[0-9a-f]{32}-[0-9]+$`)

// CompleteMultipart implements store.Multipart. Where the returned ETag has
// S3's composite form, it must equal hex(MD5(concatenated part MD5s))+"-N".
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []store.Part) (store.ObjectInfo, error) {
	if len(parts) == 0 {
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "complete-multipart", Key: key, Class: store.Permanent,
			Err: errors.New("no parts to complete")}
	}
	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b store.Part) int { return a.Number - b.Number })
	var (
		completed []types.CompletedPart
		size      int64
		h         = md5.New()
		haveMD5   = true
	)
	for _, p := range sorted {
		completed = append(completed, types.CompletedPart{ETag: aws.String(`"` + p.ETag + `"`), PartNumber: aws.Int32(int32(p.Number))})
		size += p.Size
		if len(p.MD5) != md5.Size {
			haveMD5 = false
		}
		h.Write(p.MD5)
	}
	if !haveMD5 {
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "complete-multipart", Key: key, Class: store.Permanent,
			Err: fmt.Errorf("%w: a part has no MD5 to check the multipart ETag against", store.ErrChecksumMismatch)}
	}
	out, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: completed},
	}, s.call("complete-multipart", key))
	if err != nil {
		return store.ObjectInfo{}, s.mapErr("complete-multipart", key, err)
	}
	etag := unquote(aws.ToString(out.ETag))
	want := hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(sorted))
	if compositeETag.MatchString(etag) && etag != want {
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: "complete-multipart", Key: key, Class: store.Permanent,
			Err: fmt.Errorf("%w: service ETag %s, parts give %s", store.ErrChecksumMismatch, etag, want)}
	}
	return store.ObjectInfo{Key: key, Size: size, ETag: etag, VersionID: aws.ToString(out.VersionId)}, nil
}

// AbortMultipart implements store.Multipart. An unknown upload is not an
// error.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
	}, s.call("abort-multipart", key))
	if err != nil {
		if e := s.mapErr("abort-multipart", key, err); !isNotFound(e) {
			return e
		}
	}
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
