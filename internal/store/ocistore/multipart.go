package ocistore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"

	"github.com/ocimove/ocimove/internal/observe"
	"github.com/ocimove/ocimove/internal/store"
)

// OCI multipart limits (Object Storage documentation, "Multipart Uploads"):
// parts of 10 MiB to 50 GiB (the last part may be smaller), part numbers 1
// to 10,000, and objects of at most 10 TiB.
const (
	MinPartSize   int64 = 10 << 20
	MaxPartSize   int64 = 50 << 30
	MaxParts            = 10000
	MaxObjectSize int64 = 10 << 40
)

// listPartsPage is the page size asked of ListMultipartUploadParts.
const listPartsPage = 1000

// MultipartLimits reports OCI's part-size and part-count limits.
func (s *Store) MultipartLimits() store.MultipartLimits {
	return store.MultipartLimits{MinPartSize: MinPartSize, MaxPartSize: MaxPartSize, MaxParts: MaxParts}
}

// CreateMultipart starts an upload carrying the final object's metadata
// and tier. opts.IfNoneMatch / IfMatch are checked by the service when the
// upload is created.
func (s *Store) CreateMultipart(ctx context.Context, key string, opts store.PutOptions) (string, error) {
	if err := s.checkKey("create-multipart", key); err != nil {
		return "", err
	}
	if err := s.checkWrite("create-multipart", key, 0, store.PutOptions{
		IfNoneMatch: opts.IfNoneMatch, IfMatch: opts.IfMatch, Metadata: opts.Metadata}); err != nil {
		return "", err
	}
	tier, err := s.tierFor(opts.StorageTier)
	if err != nil {
		return "", err
	}
	md := opts.Metadata
	req := objectstorage.CreateMultipartUploadRequest{
		NamespaceName: &s.namespace,
		BucketName:    &s.bucket,
		CreateMultipartUploadDetails: objectstorage.CreateMultipartUploadDetails{
			Object:             &key,
			ContentType:        optString(md.ContentType),
			ContentEncoding:    optString(md.ContentEncoding),
			ContentLanguage:    optString(md.ContentLanguage),
			ContentDisposition: optString(md.ContentDisposition),
			CacheControl:       optString(md.CacheControl),
			StorageTier:        tier,
			Metadata:           userMeta(md),
		},
		IfMatch:         optString(opts.IfMatch),
		RequestMetadata: s.requestMetadata("create-multipart", key),
	}
	if opts.IfNoneMatch {
		req.IfNoneMatch = common.String("*")
	}
	resp, err := s.client.CreateMultipartUpload(ctx, req)
	if err != nil {
		return "", s.mapError("create-multipart", key, err)
	}
	if resp.UploadId == nil || *resp.UploadId == "" {
		return "", &store.Error{Store: s.String(), Op: "create-multipart", Key: key, Class: store.Retryable,
			Err: errors.New("the service returned no upload id")}
	}
	return *resp.UploadId, nil
}

// UploadPart uploads part n with its Content-MD5, so the service rejects a
// part corrupted on the way.
func (s *Store) UploadPart(ctx context.Context, key, uploadID string, n int, body io.ReadSeeker, size int64, md5 []byte) (store.Part, error) {
	const op = "upload-part"
	if err := s.checkKey(op, key); err != nil {
		return store.Part{}, err
	}
	fail := func(err error) (store.Part, error) {
		return store.Part{}, &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent, Err: err}
	}
	switch {
	case uploadID == "":
		return fail(errors.New("empty upload id"))
	case n < 1 || n > MaxParts:
		return fail(fmt.Errorf("part number %d is outside 1..%d", n, MaxParts))
	case size > MaxPartSize:
		return fail(fmt.Errorf("part of %d bytes exceeds the limit of %d", size, MaxPartSize))
	case len(md5) != 0 && len(md5) != 16:
		return fail(fmt.Errorf("part MD5 must be 16 raw bytes, got %d", len(md5)))
	}
	rc, err := newSizedBody(body, size)
	if err != nil {
		return fail(err)
	}
	resp, err := s.client.UploadPart(ctx, objectstorage.UploadPartRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		ObjectName:      &key,
		UploadId:        &uploadID,
		UploadPartNum:   &n,
		ContentLength:   &size,
		UploadPartBody:  rc,
		ContentMD5:      md5Base64(md5),
		RequestMetadata: s.requestMetadata(op, key),
	})
	rc.release()
	if err != nil {
		return store.Part{}, s.mapError(op, key, err)
	}
	part := store.Part{Number: n, Size: size, ETag: deref(resp.ETag), MD5: md5}
	if got := plainMD5(resp.OpcContentMd5); got != nil {
		if len(md5) > 0 && !bytes.Equal(got, md5) {
			s.obsMismatch(op, key, fmt.Errorf("part %d: opc-content-md5 %s", n, deref(resp.OpcContentMd5)))
			return store.Part{}, &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Retryable,
				Err: fmt.Errorf("%w: part %d: opc-content-md5 %s, sent %s", store.ErrChecksumMismatch,
					n, deref(resp.OpcContentMd5), deref(md5Base64(md5)))}
		}
		part.MD5 = got
	}
	return part, nil
}

// ListParts lists the parts of an open upload in part-number order,
// following the service's pages.
func (s *Store) ListParts(ctx context.Context, key, uploadID string) ([]store.Part, error) {
	const op = "list-parts"
	if err := s.checkKey(op, key); err != nil {
		return nil, err
	}
	var parts []store.Part
	var page *string
	for {
		resp, err := s.client.ListMultipartUploadParts(ctx, objectstorage.ListMultipartUploadPartsRequest{
			NamespaceName:   &s.namespace,
			BucketName:      &s.bucket,
			ObjectName:      &key,
			UploadId:        &uploadID,
			Limit:           common.Int(listPartsPage),
			Page:            page,
			RequestMetadata: s.requestMetadata(op, key),
		})
		if err != nil {
			return nil, s.mapError(op, key, err)
		}
		for _, it := range resp.Items {
			if it.PartNumber == nil {
				continue
			}
			p := store.Part{Number: *it.PartNumber, ETag: deref(it.Etag), MD5: plainMD5(it.Md5)}
			if it.Size != nil {
				p.Size = *it.Size
			}
			parts = append(parts, p)
		}
		if resp.OpcNextPage == nil || *resp.OpcNextPage == "" {
			break
		}
		page = resp.OpcNextPage
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// CompleteMultipart commits the parts, then checks the service's
// opc-multipart-md5 against the value computed from the parts' MD5s. On a
// mismatch the committed object is deleted (pinned to its ETag) and the
// error wraps store.ErrChecksumMismatch.
func (s *Store) CompleteMultipart(ctx context.Context, key, uploadID string, parts []store.Part) (store.ObjectInfo, error) {
	const op = "commit-multipart"
	if err := s.checkKey(op, key); err != nil {
		return store.ObjectInfo{}, err
	}
	fail := func(err error) (store.ObjectInfo, error) {
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent, Err: err}
	}
	if len(parts) == 0 {
		return fail(errors.New("no parts to commit"))
	}
	sorted := append([]store.Part(nil), parts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	commit := make([]objectstorage.CommitMultipartUploadPartDetails, len(sorted))
	md5s := make([][]byte, len(sorted))
	var size int64
	for i, p := range sorted {
		if i > 0 && p.Number == sorted[i-1].Number {
			return fail(fmt.Errorf("part %d is listed twice", p.Number))
		}
		if len(p.MD5) != 16 {
			return fail(fmt.Errorf("part %d has no MD5: the multipart checksum cannot be verified", p.Number))
		}
		if p.ETag == "" {
			return fail(fmt.Errorf("part %d has no ETag", p.Number))
		}
		commit[i] = objectstorage.CommitMultipartUploadPartDetails{PartNum: common.Int(p.Number), Etag: common.String(p.ETag)}
		md5s[i] = p.MD5
		size += p.Size
	}
	want := multipartMD5(md5s)

	resp, err := s.client.CommitMultipartUpload(ctx, objectstorage.CommitMultipartUploadRequest{
		NamespaceName: &s.namespace,
		BucketName:    &s.bucket,
		ObjectName:    &key,
		UploadId:      &uploadID,
		CommitMultipartUploadDetails: objectstorage.CommitMultipartUploadDetails{
			PartsToCommit: commit,
		},
		RequestMetadata: s.requestMetadata(op, key),
	})
	if err != nil {
		return store.ObjectInfo{}, s.mapError(op, key, err)
	}
	got := deref(resp.OpcMultipartMd5)
	if got == "" {
		// Fall back to the object's own header before giving up.
		if h, herr := s.client.HeadObject(ctx, objectstorage.HeadObjectRequest{
			NamespaceName: &s.namespace, BucketName: &s.bucket, ObjectName: &key,
			IfMatch: resp.ETag, RequestMetadata: s.requestMetadata("head", key),
		}); herr == nil {
			got = deref(h.OpcMultipartMd5)
		}
	}
	if got != want {
		s.removeWrong(ctx, key, deref(resp.ETag))
		s.obsMismatch(op, key, fmt.Errorf("opc-multipart-md5 %q, computed %q", got, want))
		return store.ObjectInfo{}, &store.Error{Store: s.String(), Op: op, Key: key, Class: store.Permanent,
			Err:  fmt.Errorf("%w: opc-multipart-md5 %q, computed from the parts %q", store.ErrChecksumMismatch, got, want),
			Hint: "the committed object did not match the uploaded parts and was removed; upload it again"}
	}
	return store.ObjectInfo{
		Key:          key,
		Size:         size,
		ETag:         deref(resp.ETag),
		LastModified: sdkTime(resp.LastModified),
		VersionID:    deref(resp.VersionId),
	}, nil
}

// AbortMultipart discards an open upload. An unknown upload is not an
// error.
func (s *Store) AbortMultipart(ctx context.Context, key, uploadID string) error {
	const op = "abort-multipart"
	if err := s.checkKey(op, key); err != nil {
		return err
	}
	_, err := s.client.AbortMultipartUpload(ctx, objectstorage.AbortMultipartUploadRequest{
		NamespaceName:   &s.namespace,
		BucketName:      &s.bucket,
		ObjectName:      &key,
		UploadId:        &uploadID,
		RequestMetadata: s.requestMetadata(op, key),
	})
	err = s.mapError(op, key, err)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// MultipartMD5 returns the opc-multipart-md5 value OCI reports for an
// object made of parts with these raw MD5s, in part-number order.
func MultipartMD5(partMD5s [][]byte) string { return multipartMD5(partMD5s) }

// obsMismatch reports a checksum the service disagreed with.
func (s *Store) obsMismatch(op, key string, err error) {
	s.obs.Observe(observe.Event{Kind: observe.Mismatch, Stage: "copy", Store: s.String(), Op: op, Key: key, Err: err})
}
