package localoci_test

import (
	"context"
	"crypto/md5"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/oracle/oci-go-sdk/v65/common"
	"github.com/oracle/oci-go-sdk/v65/objectstorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ocimove/ocimove/internal/local/localoci"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNamespaceAndBuckets(t *testing.T) {
	e := start(t, "")
	ctx := context.Background()

	ns, err := e.client.GetNamespace(ctx, objectstorage.GetNamespaceRequest{})
	require.NoError(t, err)
	assert.Equal(t, "ocimove", *ns.Value)
	assert.Equal(t, testRegion, ns.RawResponse.Header.Get(localoci.RegionHeader))

	b, err := e.client.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: &e.ns, BucketName: common.String(testBucket)})
	require.NoError(t, err)
	assert.Equal(t, testBucket, *b.Name)
	assert.Equal(t, "ocimove", *b.Namespace)
	assert.NotEmpty(t, *b.CompartmentId)
	assert.NotEmpty(t, *b.Etag)
	assert.Equal(t, *b.Etag, *b.ETag)
	assert.Equal(t, objectstorage.BucketVersioningDisabled, b.Versioning)
	assert.False(t, *b.ReplicationEnabled)
	assert.Equal(t, testRegion, b.RawResponse.Header.Get(localoci.RegionHeader))

	_, err = e.client.HeadBucket(ctx, objectstorage.HeadBucketRequest{NamespaceName: &e.ns, BucketName: common.String(testBucket)})
	require.NoError(t, err)

	_, err = e.client.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: &e.ns, BucketName: common.String("missing")})
	requireServiceError(t, err, http.StatusNotFound, "BucketNotFound")
	_, err = e.client.HeadBucket(ctx, objectstorage.HeadBucketRequest{NamespaceName: &e.ns, BucketName: common.String("missing")})
	requireServiceError(t, err, http.StatusNotFound, "")

	created, err := e.client.CreateBucket(ctx, objectstorage.CreateBucketRequest{
		NamespaceName: &e.ns,
		CreateBucketDetails: objectstorage.CreateBucketDetails{
			Name: common.String("made-by-api"), CompartmentId: common.String("ocid1.compartment.oc1..x"),
			Versioning: objectstorage.CreateBucketDetailsVersioningEnabled,
		},
	})
	require.NoError(t, err)
	assert.Equal(t, "ocid1.compartment.oc1..x", *created.CompartmentId)
	assert.Equal(t, objectstorage.BucketVersioningEnabled, created.Versioning)
	_, err = e.client.CreateBucket(ctx, objectstorage.CreateBucketRequest{
		NamespaceName:       &e.ns,
		CreateBucketDetails: objectstorage.CreateBucketDetails{Name: common.String("made-by-api"), CompartmentId: common.String("c")},
	})
	requireServiceError(t, err, http.StatusConflict, "BucketAlreadyExists")

	_, err = e.client.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: common.String("other"), BucketName: common.String(testBucket)})
	requireServiceError(t, err, http.StatusNotFound, "")
}

func TestReplicationAndRetention(t *testing.T) {
	e := start(t, "")
	ctx := context.Background()
	bkt := common.String(testBucket)

	pols, err := e.client.ListReplicationPolicies(ctx, objectstorage.ListReplicationPoliciesRequest{NamespaceName: &e.ns, BucketName: bkt})
	require.NoError(t, err)
	assert.Empty(t, pols.Items)

	pol, err := e.client.CreateReplicationPolicy(ctx, objectstorage.CreateReplicationPolicyRequest{
		NamespaceName: &e.ns, BucketName: bkt,
		CreateReplicationPolicyDetails: objectstorage.CreateReplicationPolicyDetails{
			Name: common.String("to-sydney"), DestinationRegionName: common.String("ap-sydney-1"), DestinationBucketName: common.String("copy"),
		},
	})
	require.NoError(t, err)
	assert.Equal(t, "ap-sydney-1", *pol.DestinationRegionName)

	pols, err = e.client.ListReplicationPolicies(ctx, objectstorage.ListReplicationPoliciesRequest{NamespaceName: &e.ns, BucketName: bkt})
	require.NoError(t, err)
	require.Len(t, pols.Items, 1)
	assert.Equal(t, "ap-sydney-1", *pols.Items[0].DestinationRegionName)
	assert.Equal(t, "copy", *pols.Items[0].DestinationBucketName)
	assert.Equal(t, *pol.Id, *pols.Items[0].Id)

	b, err := e.client.GetBucket(ctx, objectstorage.GetBucketRequest{NamespaceName: &e.ns, BucketName: bkt})
	require.NoError(t, err)
	assert.True(t, *b.ReplicationEnabled)

	rules, err := e.client.ListRetentionRules(ctx, objectstorage.ListRetentionRulesRequest{NamespaceName: &e.ns, BucketName: bkt})
	require.NoError(t, err)
	assert.Empty(t, rules.Items)
	_, err = e.client.CreateRetentionRule(ctx, objectstorage.CreateRetentionRuleRequest{
		NamespaceName: &e.ns, BucketName: bkt,
		CreateRetentionRuleDetails: objectstorage.CreateRetentionRuleDetails{
			DisplayName: common.String("keep"),
			Duration:    &objectstorage.Duration{TimeAmount: common.Int64(30), TimeUnit: objectstorage.DurationTimeUnitDays},
		},
	})
	require.NoError(t, err)
	rules, err = e.client.ListRetentionRules(ctx, objectstorage.ListRetentionRulesRequest{NamespaceName: &e.ns, BucketName: bkt})
	require.NoError(t, err)
	require.Len(t, rules.Items, 1)
	assert.Equal(t, "keep", *rules.Items[0].DisplayName)
	assert.Equal(t, int64(30), *rules.Items[0].Duration.TimeAmount)

	_, err = e.client.ListRetentionRules(ctx, objectstorage.ListRetentionRulesRequest{NamespaceName: &e.ns, BucketName: common.String("nope")})
	requireServiceError(t, err, http.StatusNotFound, "BucketNotFound")
}

func TestPutGetHeadDelete(t *testing.T) {
	e := start(t, "")
	data := []byte("hello, object storage")
	put, err := e.put(t, "dir/hello.txt", data, func(r *objectstorage.PutObjectRequest) {
		r.ContentMD5 = common.String(md5b64(data))
		r.ContentType = common.String("text/plain")
		r.ContentEncoding = common.String("identity")
		r.ContentLanguage = common.String("en")
		r.ContentDisposition = common.String(`attachment; filename="hello.txt"`)
		r.CacheControl = common.String("no-cache")
		r.StorageTier = objectstorage.PutObjectStorageTierInfrequentaccess
		r.OpcMeta = map[string]string{"mig-src-key": "a/b c", "mig-sha256": "abc123"}
	})
	require.NoError(t, err)
	assert.Equal(t, md5b64(data), *put.OpcContentMd5)
	assert.Regexp(t, uuidRE, *put.ETag, "the ETag is an opaque UUID")
	sum := md5.Sum(data)
	assert.NotContains(t, *put.ETag, string(sum[:]))
	require.NotNil(t, put.LastModified)
	assert.WithinDuration(t, time.Now(), put.LastModified.Time, time.Minute)
	assert.NotEmpty(t, *put.OpcRequestId)

	h, err := e.head(t, "dir/hello.txt")
	require.NoError(t, err)
	assert.Equal(t, int64(len(data)), *h.ContentLength)
	assert.Equal(t, md5b64(data), *h.ContentMd5)
	assert.Nil(t, h.OpcMultipartMd5)
	assert.Equal(t, *put.ETag, *h.ETag)
	assert.Equal(t, "text/plain", *h.ContentType)
	assert.Equal(t, "identity", *h.ContentEncoding)
	assert.Equal(t, "en", *h.ContentLanguage)
	assert.Equal(t, `attachment; filename="hello.txt"`, *h.ContentDisposition)
	assert.Equal(t, "no-cache", *h.CacheControl)
	assert.Equal(t, objectstorage.HeadObjectStorageTierInfrequentaccess, h.StorageTier)
	assert.Equal(t, map[string]string{"mig-src-key": "a/b c", "mig-sha256": "abc123"}, h.OpcMeta)
	assert.Equal(t, md5b64(data), h.RawResponse.Header.Get("opc-content-md5"))

	g, got, err := e.get(t, "dir/hello.txt", nil)
	require.NoError(t, err)
	assert.Equal(t, data, got)
	assert.Equal(t, "a/b c", g.OpcMeta["mig-src-key"])
	assert.Equal(t, *put.ETag, *g.ETag)

	// An empty object.
	e.mustPut(t, "empty", nil)
	_, got, err = e.get(t, "empty", nil)
	require.NoError(t, err)
	assert.Empty(t, got)
	h, err = e.head(t, "empty")
	require.NoError(t, err)
	assert.Equal(t, int64(0), *h.ContentLength)

	// Overwrite changes the ETag.
	put2 := e.mustPut(t, "dir/hello.txt", []byte("v2"))
	assert.NotEqual(t, *put.ETag, *put2.ETag)

	_, err = e.client.DeleteObject(context.Background(), objectstorage.DeleteObjectRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String("dir/hello.txt"),
	})
	require.NoError(t, err)
	_, err = e.head(t, "dir/hello.txt")
	requireServiceError(t, err, http.StatusNotFound, "")
	_, _, err = e.get(t, "dir/hello.txt", nil)
	requireServiceError(t, err, http.StatusNotFound, "ObjectNotFound")
	_, err = e.client.DeleteObject(context.Background(), objectstorage.DeleteObjectRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String("dir/hello.txt"),
	})
	requireServiceError(t, err, http.StatusNotFound, "ObjectNotFound")

	_, err = e.client.PutObject(context.Background(), objectstorage.PutObjectRequest{
		NamespaceName: &e.ns, BucketName: common.String("missing"), ObjectName: common.String("x"),
		ContentLength: common.Int64(1), PutObjectBody: body([]byte("x")),
	})
	requireServiceError(t, err, http.StatusNotFound, "BucketNotFound")
}

func TestRangedGet(t *testing.T) {
	e := start(t, "")
	data := []byte("0123456789")
	e.mustPut(t, "r", data)
	cases := []struct {
		rng, contentRange string
		want              string
	}{
		{"bytes=2-5", "bytes 2-5/10", "2345"},
		{"bytes=7-", "bytes 7-9/10", "789"},
		{"bytes=-3", "bytes 7-9/10", "789"},
		{"bytes=8-100", "bytes 8-9/10", "89"},
	}
	for _, c := range cases {
		resp, got, err := e.get(t, "r", func(r *objectstorage.GetObjectRequest) { r.Range = common.String(c.rng) })
		require.NoError(t, err, c.rng)
		assert.Equal(t, http.StatusPartialContent, resp.RawResponse.StatusCode, c.rng)
		assert.Equal(t, c.contentRange, *resp.ContentRange, c.rng)
		assert.Equal(t, c.want, string(got), c.rng)
		assert.Equal(t, int64(len(c.want)), *resp.ContentLength, c.rng)
	}
	_, _, err := e.get(t, "r", func(r *objectstorage.GetObjectRequest) { r.Range = common.String("bytes=10-") })
	requireServiceError(t, err, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
}

func TestConditionalWrites(t *testing.T) {
	e := start(t, "")
	star := func(r *objectstorage.PutObjectRequest) { r.IfNoneMatch = common.String("*") }

	first, err := e.put(t, "c", []byte("one"), star)
	require.NoError(t, err)
	_, err = e.put(t, "c", []byte("two"), star)
	requireServiceError(t, err, http.StatusPreconditionFailed, "IfNoneMatchFailed")
	_, got, err := e.get(t, "c", nil)
	require.NoError(t, err)
	assert.Equal(t, "one", string(got), "a failed conditional put leaves the object unchanged")

	_, err = e.put(t, "c", []byte("two"), func(r *objectstorage.PutObjectRequest) { r.IfMatch = common.String("stale-etag") })
	requireServiceError(t, err, http.StatusPreconditionFailed, "IfMatchFailed")
	second, err := e.put(t, "c", []byte("two"), func(r *objectstorage.PutObjectRequest) { r.IfMatch = first.ETag })
	require.NoError(t, err)
	_, err = e.put(t, "absent", []byte("x"), func(r *objectstorage.PutObjectRequest) { r.IfMatch = first.ETag })
	requireServiceError(t, err, http.StatusPreconditionFailed, "IfMatchFailed")

	// Reads.
	_, _, err = e.get(t, "c", func(r *objectstorage.GetObjectRequest) { r.IfMatch = first.ETag })
	requireServiceError(t, err, http.StatusPreconditionFailed, "IfMatchFailed")
	_, got, err = e.get(t, "c", func(r *objectstorage.GetObjectRequest) { r.IfMatch = second.ETag })
	require.NoError(t, err)
	assert.Equal(t, "two", string(got))
	nm, got, err := e.get(t, "c", func(r *objectstorage.GetObjectRequest) { r.IfNoneMatch = second.ETag })
	require.NoError(t, err, "the SDK treats 304 as success")
	assert.Equal(t, http.StatusNotModified, nm.RawResponse.StatusCode)
	assert.Empty(t, got)

	// Deletes.
	del := func(etag *string) error {
		_, err := e.client.DeleteObject(context.Background(), objectstorage.DeleteObjectRequest{
			NamespaceName: &e.ns, BucketName: common.String(testBucket), ObjectName: common.String("c"), IfMatch: etag,
		})
		return err
	}
	requireServiceError(t, del(first.ETag), http.StatusPreconditionFailed, "IfMatchFailed")
	_, err = e.head(t, "c")
	require.NoError(t, err, "the object survives a failed conditional delete")
	require.NoError(t, del(second.ETag))
}

func TestConcurrentCreateOnlyHasOneWinner(t *testing.T) {
	e := start(t, "")
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := e.put(t, "race", []byte{byte(i)}, func(r *objectstorage.PutObjectRequest) { r.IfNoneMatch = common.String("*") })
			errs <- err
		}()
	}
	wins := 0
	for range n {
		if err := <-errs; err == nil {
			wins++
		} else {
			requireServiceError(t, err, http.StatusPreconditionFailed, "IfNoneMatchFailed")
		}
	}
	assert.Equal(t, 1, wins)
}

func TestContentMD5Mismatch(t *testing.T) {
	e := start(t, "")
	_, err := e.put(t, "bad", []byte("payload"), func(r *objectstorage.PutObjectRequest) {
		r.ContentMD5 = common.String(md5b64([]byte("something else")))
	})
	requireServiceError(t, err, http.StatusBadRequest, "UnmatchedContentMD5")
	_, err = e.head(t, "bad")
	requireServiceError(t, err, http.StatusNotFound, "")

	_, err = e.put(t, "bad", []byte("payload"), func(r *objectstorage.PutObjectRequest) { r.ContentMD5 = common.String("not-base64!") })
	requireServiceError(t, err, http.StatusBadRequest, "InvalidContentMD5")

	// opc-content-sha256 is checked too, and reported back.
	_, err = e.put(t, "sha", []byte("payload"), func(r *objectstorage.PutObjectRequest) {
		r.OpcChecksumAlgorithm = objectstorage.PutObjectOpcChecksumAlgorithmSha256
		r.OpcContentSha256 = common.String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=") // SHA-256 of ""
	})
	requireServiceError(t, err, http.StatusBadRequest, "UnmatchedContentSHA256")
	ok, err := e.put(t, "sha", nil, func(r *objectstorage.PutObjectRequest) {
		r.OpcChecksumAlgorithm = objectstorage.PutObjectOpcChecksumAlgorithmSha256
		r.OpcContentSha256 = common.String("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
	})
	require.NoError(t, err)
	assert.Equal(t, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", *ok.OpcContentSha256)
	h, err := e.head(t, "sha")
	require.NoError(t, err)
	assert.Equal(t, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", *h.OpcContentSha256)
}

func TestSpecialNamesRoundTrip(t *testing.T) {
	e := start(t, "")
	names := []string{
		"unicode/日本語/ファイル.txt",
		"emoji 😀 ok",
		"spaces in  name .txt",
		"percent%20literal%",
		"%2F not a slash",
		"plus+equals=sign&amp",
		"deep/a/b/c/d/e/f/g/h/i/j/k.bin",
		"double//slash",
		"trailing/",
		"/leading",
		"dot/./segment",
		"dot/../segment",
		"question?mark#hash",
		"semi;colon,comma:at@",
		"tilde~!*'()[]$",
		"back\\slash",
		"tab\there",
	}
	for i, n := range names {
		e.mustPut(t, n, []byte{byte(i)})
	}
	for i, n := range names {
		_, got, err := e.get(t, n, nil)
		require.NoError(t, err, "get %q", n)
		assert.Equal(t, []byte{byte(i)}, got, "content of %q", n)
	}
	resp, err := e.client.ListObjects(context.Background(), objectstorage.ListObjectsRequest{
		NamespaceName: &e.ns, BucketName: common.String(testBucket),
	})
	require.NoError(t, err)
	var listed []string
	for _, o := range resp.Objects {
		listed = append(listed, *o.Name)
	}
	assert.ElementsMatch(t, names, listed)

	for _, bad := range []string{"line\nfeed", "carriage\rreturn", "nul\x00byte"} {
		_, err := e.put(t, bad, []byte("x"), nil)
		requireServiceError(t, err, http.StatusBadRequest, "InvalidObjectName")
	}
}
