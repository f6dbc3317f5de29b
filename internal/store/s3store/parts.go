package s3store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/ocimove/ocimove/internal/store"
)

var _ store.PartLister = (*Store)(nil)

// ObjectParts implements store.PartLister with GetObjectAttributes
// (ObjectParts and ETag), following every page of parts. GetObjectAttributes
// has no If-Match: the ETag it returns is compared with opts.IfMatch
// instead.
func (s *Store) ObjectParts(ctx context.Context, key string, opts store.GetOptions) ([]store.ObjectPart, error) {
	in := &s3.GetObjectAttributesInput{
		Bucket: aws.String(s.cfg.Bucket), Key: aws.String(key),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesObjectParts},
		MaxParts:         aws.Int32(1000),
	}
	if opts.VersionID != "" {
		in.VersionId = aws.String(opts.VersionID)
	}
	var parts []store.ObjectPart
	for page := 0; ; page++ {
		out, err := s.client.GetObjectAttributes(ctx, in, s.call("get-attributes", key))
		if err != nil {
			return nil, s.mapErr("get-attributes", key, err)
		}
		if etag := unquote(aws.ToString(out.ETag)); opts.IfMatch != "" && etag != unquote(opts.IfMatch) {
			return nil, &store.Error{Store: s.String(), Op: "get-attributes", Key: key, Class: store.Permanent,
				Err: fmt.Errorf("%w: ETag %s, expected %s", store.ErrPreconditionFailed, etag, unquote(opts.IfMatch))}
		}
		op := out.ObjectParts
		if op == nil {
			return parts, nil // stored in one piece
		}
		for _, p := range op.Parts {
			parts = append(parts, store.ObjectPart{
				Number: int(aws.ToInt32(p.PartNumber)), Size: aws.ToInt64(p.Size),
				Checksums: checksums(types.ChecksumTypeFullObject, p.ChecksumCRC32, p.ChecksumCRC32C, p.ChecksumCRC64NVME, p.ChecksumSHA1, p.ChecksumSHA256),
			})
		}
		if !aws.ToBool(op.IsTruncated) {
			if total := int(aws.ToInt32(op.TotalPartsCount)); total != 0 && total != len(parts) {
				return nil, &store.Error{Store: s.String(), Op: "get-attributes", Key: key, Class: store.Retryable,
					Err: fmt.Errorf("the endpoint listed %d of the object's %d parts", len(parts), total)}
			}
			return parts, nil
		}
		if page > 10000 || aws.ToString(op.NextPartNumberMarker) == "" {
			return nil, &store.Error{Store: s.String(), Op: "get-attributes", Key: key, Class: store.Retryable,
				Err: fmt.Errorf("the part listing does not advance after %d parts", len(parts))}
		}
		in.PartNumberMarker = op.NextPartNumberMarker
	}
}
